"""twin route [MODEL ...] --from PLACE --to PLACE: the fastest way between two places."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from twin.cli.common import add_model_arguments, load_models


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "route",
        help="fastest route between two places: time, distance, storeys, path",
        description=__doc__
        + " A PLACE is a space name or long name, an equipment name, a GlobalId, or NAME @ STOREY.",
    )
    p.add_argument("--from", dest="origin", required=True, metavar="PLACE", help="where to start")
    p.add_argument("--to", dest="target", required=True, metavar="PLACE", help="where to go")
    p.add_argument("--lifts", choices=("on", "off"), default="on", help="lifts working or not (default: on)")
    p.add_argument(
        "--closed",
        nargs="+",
        default=[],
        metavar="PLACE",
        help="places out of use: spaces (no entry), doors (locked), lifts (off), stairs, storeys",
    )
    p.add_argument("--heavy", action="store_true", help="carrying heavy equipment: no stairs")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_model_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.places import close_places, describe_path, place_name, resolve_place, storey_name
    from twin.routing import NetworkState, NoRouteError, Router
    from twin.travel import HEAVY, WALKING

    twin = load_models(args)
    model, graph = twin.model, twin.graph
    origin = resolve_place(args.origin, model, graph)
    target = resolve_place(args.target, model, graph)
    state = NetworkState(mode=HEAVY if args.heavy else WALKING)
    if args.lifts == "off":
        state = state.with_lifts_off()
    state = close_places(state, args.closed, model, graph)

    def where(node: int) -> str:
        return f"{place_name(model, graph, node)} ({storey_name(model, graph, node)})"

    router = Router(graph)
    try:
        path = router.path(origin, target, state)
    except NoRouteError:
        if graph.n_edges == 0:
            why = (
                "the navigation graph has no links at all, so nobody can walk anywhere — "
                "`twin inspect` says why (no spaces, no doors, nothing connected)"
            )
        elif not _linked(router, origin, target, NetworkState(mode=state.mode)):
            why = (
                "nothing links them even with every door, lift and stair open: they lie in "
                "parts of the building no door, stair or lift joins — see `twin inspect`"
            )
        else:
            why = "something on the way is closed, locked or off"
        raise NoRouteError(
            f"no route from {where(origin)} to {where(target)} ({state.describe()}); {why}"
        ) from None
    report = describe_path(path, model, graph)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0

    minutes, seconds = divmod(round(path.time_s), 60)
    print(f"from      {where(origin)}")
    print(f"to        {where(target)}")
    print(f"time      {path.time_s:.1f} s ({minutes} min {seconds:02d} s)")
    print(f"distance  {path.distance_m:.1f} m")
    print(f"storeys   {path.storeys_crossed} crossed")
    print(f"state     {state.describe()}")
    print("path")
    last = None
    for step in report["path"]:
        here = (step["name"], step["storey"])
        if here != last:
            print(f"  {step['t_s']:8.1f} s  {step['storey']:<16} {step['name']}")
        last = here
    return 0


def _linked(router: Any, origin: int, target: int, state: Any) -> bool:
    from twin.routing import NoRouteError

    try:
        router.path(origin, target, state)
    except NoRouteError:
        return False
    return True
