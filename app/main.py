"""DrillTwin's web front end. Start it with ``twin app`` (or ``streamlit run app/main.py``).

The app is thin: each page gathers inputs, calls one ``twin`` function and renders the result.
What pages share — the building chooser in the sidebar, loading and caching the twin — lives in
``shared.py``; pages live in ``views/`` (not ``pages/``, which Streamlit would take for its older
multipage mode and then run a page without this script).
"""

from __future__ import annotations

import shared
import streamlit as st

st.set_page_config(page_title="DrillTwin", page_icon="🏢", layout="wide")

#: The app's pages, in menu order; a new page is one more line here, e.g.
#: ``st.Page("views/drill.py", title="Drill", icon=":material/play_circle:")``.
PAGES = [
    st.Page("views/building.py", title="Building", icon=":material/apartment:", default=True),
    st.Page("views/drill.py", title="Drill", icon=":material/play_circle:"),
    st.Page("views/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("views/staffing.py", title="Staffing", icon=":material/groups:"),
    st.Page("views/replay.py", title="Replay", icon=":material/history:"),
]

page = st.navigation(PAGES)
shared.building_chooser()
page.run()
