"""Signals the hazard domain sends to other domains (blinker, as Flask's own signals). A receiver runs in the
sender's transaction: it writes only its own domain's tables, flushes, never commits.

    referral_made.send(referral)    # a hazard was referred for a penalty case (移送立案); sender: PenaltyReferral
"""

from blinker import Namespace

_signals = Namespace()

referral_made = _signals.signal("hazards.referral_made")
