"""Every physical constant and fixed default of the hazard models, with its unit and its source.

One place, so a reviewer can check each number against the literature and a user can see what
the drill assumes. Scenario fields override the ones a scenario names; the rest are fixed here.
Where no reference backs a number it says so ("assumed by this project") and gives its reason:
those are the figures to replace with your own site's.

What a scenario or a rates file may set has its default beside its field instead: a drill
hazard's on its schema class in ``twin/engine/hazards/<kind>.py`` (``PipeBurst``, ``PowerLoss``,
``Storm``), the background hazards' in ``twin/background/rates.yaml`` (each row's ``source:``),
people, contractors and dispatch in ``twin/scenario/schema.py``.
"""

from __future__ import annotations

import math

# -- pipe bursts -------------------------------------------------------------------------------

#: Orifice discharge coefficient Cd of a sharp-edged break (0.6–0.62, textbook orifice flow).
DISCHARGE_COEFFICIENT = 0.6
#: Density of water (kg/m³) at 4–20 °C to 0.2 %.
WATER_DENSITY_KG_M3 = 1000.0
#: 1 bar = 10⁵ Pa (definition).
PA_PER_BAR = 1e5

# -- where leaks start -------------------------------------------------------------------------

#: Background leaks start on a pipe with probability proportional to its length times its break
#: rate per metre, and small pipes break more often per metre than large ones: water-main
#: surveys find break rates falling steadily with diameter (Kettler & Goulter 1985, "An analysis
#: of pipe breakage in urban water distribution networks", Can. J. Civ. Eng. 12(2):286–293), and
#: Folkman 2018 ("Water main break rates in the USA and Canada", Utah State University) puts the
#: overall rate at 14 breaks per 100 miles a year (0.087 /km·yr), from 2.6 (PVC) to 34.8 (cast
#: iron) by material. The drill takes the rate per metre inversely proportional to the nominal
#: diameter — a simple fit to that trend, not a measured law — relative to this diameter (m):
#: a 15 mm pipe in a flat breaks 5.3× as often per metre as an 80 mm riser. Only the ratios
#: matter: the rates file says how many leaks a year there are (per household), this says where.
#: The model has no pipe material (IFC files seldom give one for pipe segments), so none enters.
PIPE_BREAK_REFERENCE_DIAMETER_M = 0.1
#: A pipe whose file gives no diameter is taken at this one (m): a building's distribution pipe.
PIPE_DIAMETER_UNKNOWN_M = 0.05
#: Pipework inside a flat, beyond its stop valve (m of pipe): the models draw none, yet most
#: escapes of water in flats start there. An estimate, cold and hot: a supply run of ~5 m from
#: the stop valve to the kitchen and bathroom and ~2 m to each of about ten draw-off and
#: appliance connections (sink, basin, bath or shower, WC, washing machine, water heater).
FLAT_PIPEWORK_M = 25.0
#: …of this nominal diameter (m): 15 mm copper or plastic, the size of a flat's draw-off pipes
#: (BS EN 806-3's tables size single draw-offs at 15 mm).
FLAT_PIPEWORK_DIAMETER_M = 0.015


def pipe_diameter_m(diameter_m: float | None) -> float:
    """A pipe's nominal diameter (m): the file's, or :data:`PIPE_DIAMETER_UNKNOWN_M` when it gives none."""
    return diameter_m if diameter_m is not None and diameter_m > 0 else PIPE_DIAMETER_UNKNOWN_M


def pipe_break_weight(length_m: float, diameter_m: float | None) -> float:
    """A pipe's share of the breaks, up to a common factor: its length times its break rate per
    metre relative to a :data:`PIPE_BREAK_REFERENCE_DIAMETER_M` pipe (breaks·m⁻¹ ∝ 1/DN)."""
    return length_m * PIPE_BREAK_REFERENCE_DIAMETER_M / pipe_diameter_m(diameter_m)


def bore_area_cm2(diameter_m: float | None) -> float:
    """The largest hole a pipe of this diameter (m) can have (cm²): its bore's cross-section π·d²/4.

    A full-bore break (the pipe severed) is the largest opening a pipe can have, so orifice flow
    Cd·A·√(2ΔP/ρ) through this area at line pressure is an upper bound on what it lets out (the
    friction of the pipe run upstream and the supply's own capacity cut the real flow further).
    The models give a pipe's nominal diameter (DN) only, not its bore, so d is the nominal
    diameter — slightly generous for small pipes: 15 mm copper has a 13.6 mm bore (1.45 cm², not
    1.77). A pipe whose file gives no diameter is taken at :data:`PIPE_DIAMETER_UNKNOWN_M`.
    """
    d = pipe_diameter_m(diameter_m)
    return math.pi * d * d / 4.0 * 1e4


# -- people called out ------------------------------------------------------------------------

#: Someone called out (on-call staff, a contractor's technician) stays this long (s) after their
#: last task in case more work comes, then goes home; the next job is a new call-out, with its
#: delay and fee. Assumed by this project; fixed here.
CALLED_OUT_STAY_S = 15 * 60.0

# -- water on floors ---------------------------------------------------------------------------

#: The model advances water on floors in steps of this (s) while water arrives or is pumped
#: (a scenario may set ``physics: {water_step_s}``). The spreading is a backward-Euler step,
#: stable and monotone at any step; 30 s keeps the storm drill's deepest water, spaces over
#: 15 cm and incident times within 5 %, one space and one minute of a 1 s step (a test checks).
WATER_STEP_S = 30.0
#: Passes of each water step: the doors' coefficients at the levels the step starts from, then
#: at the levels the last pass ended with (Picard iteration towards the fully implicit step).
WATER_PICARD_PASSES = 3
#: …stopping early once no door's coefficient changes by more than this share between passes.
WATER_PICARD_RTOL = 0.05
#: While water only settles (no source, no working pump) the step is this many times longer.
WATER_SETTLE_STEPS = 4
#: Water deeper than this (m) spills over door thresholds into the next space (a threshold or
#: sill is ~1 cm).
SPREAD_DEPTH_M = 0.01
#: Broad-crested weir coefficient C (m^0.5/s): Q = C·b·h^1.5 with C ≈ 1.7 in SI units (Chow,
#: Open-channel hydraulics), b the door width (m) and h the head above the threshold (m).
WEIR_COEFFICIENT = 1.7
#: Under this level difference (m) across a door the submerged-weir flow is taken as linear in
#: the difference (Villemonte's law has an unbounded slope where the levels meet): 1 mm, the
#: scale of a ripple, so the levels still meet to well under a millimetre.
LEVEL_DIFFERENCE_FLOOR_M = 1e-3
#: Width (m) of an open boundary between two spaces, when water crosses it.
OPEN_BOUNDARY_WIDTH_M = 2.0
#: Leak through a wet slab to the space below: q = k·A·(h − SPREAD_DEPTH_M) (m³/s), k in 1/s.
#: 2e-4 1/s leaks ~0.7 m³/h through 100 m² under 1 cm above the threshold — a slab with service
#: penetrations, not a tanked floor. Assumed by this project (no measured leakage of slabs backs
#: it). Water below the threshold stays in the floor finish.
SLAB_LEAK_PER_S = 2e-4
#: A space counts as wet (damage: wetted area × time) above this depth (m): 2 mm, a film that
#: soaks floor coverings. Assumed by this project (no standard sets it); it moves the wetted
#: m²·h and which spaces the replay shows wet, not the incident, damage or switchgear depths.
WET_DEPTH_M = 0.002
#: Water moving or pumped slower than this (m³/s, 36 l/h: a dripping tap's worth over a whole
#: building) counts as settled and the model sleeps: a pump drawing the last trickle or a film
#: creeping towards its threshold would otherwise keep it stepping for ever.
SETTLED_M3_S = 1e-5
#: Water under INCIDENT_DEPTH_M (which no flooding incident will pump out) that has not risen
#: for this long (s) is gone: mopped by the cleaners or dried. Without it a year-long run counts
#: puddles for months (issue 11: 5.4 million wetted m²·h from 43 m³ in a year).
DRY_OUT_S = 24 * 3600.0
#: Depth (m) at which standing water is an incident of its own (DESIGN.md: 5 cm).
INCIDENT_DEPTH_M = 0.05
#: Depth (m) from which contents are damaged (DESIGN.md: 15 cm).
DAMAGE_DEPTH_M = 0.15
#: Depth (m) in an electrical room that trips its switchgear (DESIGN.md: 30 cm → power loss).
SWITCHGEAR_FLOOD_DEPTH_M = 0.30
#: Depths go into the event log at most this often (s), for the replay…
DEPTH_LOG_S = 300.0
#: …and only for spaces whose depth changed by this much (m) since last logged.
DEPTH_LOG_STEP_M = 0.005

# -- storm -------------------------------------------------------------------------------------

#: Rational-method runoff coefficients C (ASCE / Chow): roofs 0.75–0.95, asphalt paving 0.7–0.95.
RUNOFF_ROOF = 0.9
RUNOFF_PAVING = 0.7
#: 1 mm/h of rain = 10⁻³ m per 3,600 s.
MM_H_TO_M_S = 1e-3 / 3600.0
#: The storm's runoff is set afresh every this many seconds, at the intensity of the interval's
#: midpoint (exact for the linear flanks of a triangular storm), whatever the water's step.
RAIN_STEP_S = 30.0
#: Paved site draining to the basement ramp, as a multiple of the building footprint, when a
#: scenario's storm does not give ``paved_area_m2`` (assumed by this project: podium estates
#: pave about as much again as they build on). On the estate that is 1.5 × 5,139 m² = 7,709 m²,
#: and drains sized for the design storm then carry 278 l/s; the background storm (rates file)
#: and the shipped storm drill give the estate's 30,000 m² of podium and roads instead (712 l/s).
PAVED_PER_FOOTPRINT = 1.5
#: The storm the site drains are sized for (mm/h), when a scenario does not give their capacity:
#: the drains carry C·A·i of the whole catchment at this intensity. UK practice (Sewers for
#: Adoption; the PPS25 practice guide, para. 5.51) designs site drainage so that no surface
#: flooding occurs up to the 1-in-30-year storm; at a site's ~10 min time of concentration that
#: is about 100 mm/h in lowland Europe (FEH depth–duration–frequency). So an ordinary storm
#: (the background's 2-year storms peak at a median 70 mm/h) is carried, and what floods the
#: basement is a cloudburst beyond it, a blocked drain or a sump pump without power.
DESIGN_STORM_MM_H = 100.0
#: Capacity of one sump pump (l/s) when neither the model nor the overlay says: a 5.5 kW
#: submersible drainage pump at ~10 m head (assumed by this project). The sizing argument: with
#: the site drains carrying the design storm the sump only takes the ramp's own rain (an assumed
#: 250 m² ramp, C 0.9: 250 × 0.9 × 100 mm/h = 6.25 l/s), so one pump of a duty/standby pair has
#: 2.4× margin (BS EN 12056-4 asks a lifting plant to carry the inflow with a standby pump for an
#: installation that must not fail); a test checks the arithmetic. The model itself sends the
#: sump only what the drains do not carry, so with clear drains up to the design storm the sump
#: pumps take nothing, and a storm beyond it (or blocked drains) outruns them by far.
SUMP_PUMP_L_S = 15.0
#: A portable pump deployed by a crew (l/s): a 3" (80 mm) petrol trash pump lifting from a
#: basement. Assumed by this project, not taken from a maker's curve; fixed here.
PORTABLE_PUMP_L_S = 12.0

# -- power -------------------------------------------------------------------------------------

#: A "Type 10" standby generator (NFPA 110 Level 1) takes up to this long (s) to take the load.
GENERATOR_START_S = 10.0
#: Chance a standby generator starts on demand by itself. The US NRC's diesel reliability issue
#: (NUREG-0933, item B-56) found nuclear plants' emergency diesels starting on about 0.94 of
#: demands and took 0.95 a demand as the minimum desired reliability (0.9 the minimum
#: acceptable; Regulatory Guide 1.108's goal for new plants 0.99). This project takes 0.95 for a
#: commercial building's set under a maintenance contract (no survey of commercial sets found):
#: set ``generator_start_probability`` for yours. The one default for scenarios and background
#: outages alike; a test draws the engine's start decision and finds this share.
GENERATOR_START_PROBABILITY = 0.95
#: Mains pressure alone reaches this many storeys above ground; above them the flats need the
#: booster pumps (≈ 2.5–3 bar at the street ≈ 6 storeys).
MAINS_PRESSURE_STOREYS = 6
#: Passengers in a car that stops occupied: the Poisson mean λ of the draw max(1, Poisson(λ))
#: (:func:`twin.engine.hazards.entrapment.trapped_passengers`). A draw of none counts as one, so
#: a trapped car holds λ + e^−λ = 1.80 people on average, not 1.6 (a test checks). Assumed by
#: this project: residential lift trips carry one or two people; no survey backs the figure.
PASSENGERS_PER_OCCUPIED_CAR = 1.6
#: Chance a car that stops in a power cut holds passengers, when the scenario does not say.
#: Assumed by this project, not measured: a residential lift is moving, loaded, for roughly a
#: third of the waking hours and less at night, so 0.3 at any moment. No survey of occupancy at
#: the moment of a power cut backs it; set ``lift_occupancy`` on a ``power_loss`` hazard or the
#: rates file's ``power_loss`` row for your building (1.0 traps someone in every stopped car).
LIFT_OCCUPANCY = 0.3
#: Drying, testing and re-energising switchgear that stood in water (s), drawn uniformly: an
#: electrician's 1–3 h before the boards in a flooded room are safe to switch on again (assumed
#: by this project; real switchgear that stood in water may need days or replacing).
FLOODED_SWITCHGEAR_REPAIR_S = (3600.0, 3 * 3600.0)

# -- work ----------------------------------------------------------------------------------------
# Times on the job once the person is there (walking comes from the twin). Assumed by this
# project, each a trained person's time for the steps named, not from time-and-motion studies
# (none found for these tasks); fixed here. Replace them with your own drills' timings.

#: Closing an isolation valve once there (s): find it, open the cupboard, turn, check.
ISOLATE_S = 180.0
#: Starting a standby generator by hand (s): read the fault, reset, crank, check the transfer.
GENERATOR_MANUAL_START_S = 600.0
#: Freeing trapped passengers once at the landing (s): wind the car to a floor, open the doors.
#: Used for the cars a power cut stops (the car is dead and only needs a hand release); a
#: background entrapment (a car stopped by a fault) takes the rates file's ``minutes`` instead
#: (triangular 15/25/45 min), which include finding why it stopped.
RESCUE_S = 900.0
#: Cleaning up after water: fixed part (s) and per m³ of water spilled (s/m³). 120 s/m³ is a
#: crew clearing 8.3 l/s, a pump's rate rather than a mop's (a lone guard clears 14 m³ in 43 min).
CLEANUP_BASE_S = 900.0
CLEANUP_PER_M3_S = 120.0
#: Telling the affected residents (s): notices and calls, fixed part and per household (6 s a
#: household: a bulk text or a notice per floor, not a call to each).
NOTIFY_BASE_S = 300.0
NOTIFY_PER_HOUSEHOLD_S = 6.0
#: Clearing a blocked drain (s: rodding a gully and its run) and deploying a portable pump (s:
#: placing it, priming, laying the discharge hose).
CLEAR_DRAIN_S = 1200.0
DEPLOY_PUMP_S = 900.0
#: A pump's controller rides through a power break this short (s) — the generator's transfer;
#: after a longer stop its motor protection has tripped and someone must reset it by hand.
PUMP_RIDE_THROUGH_S = 60.0
#: Checking a failed supply or board once there (s): read the protection, isolate, report.
CHECK_SUPPLY_S = 600.0
#: Switching back from the generator to the restored mains (s): check the supply, transfer,
#: let the set run down.
SWITCH_BACK_S = 900.0
#: Resetting a pump after its power returns (s): reset the motor protection, start, check flow.
RESTART_PUMP_S = 300.0
#: A crew member caught in a car when the power fails is brought back to the floor they boarded
#: at by the car's rescue device after this long (s).
LIFT_HOMING_S = 60.0
