"""Signals the penalty-case domain sends to other domains (blinker, as Flask's own signals). A receiver runs in
the sender's transaction: it writes only its own domain's tables, flushes, never commits.

    decision_made.send(case)                        # the 负责人 decided (operations.decision.decide) or an
                                                    # officer decided on the spot (operations.simple); any
                                                    # outcome: a receiver reads case.outcome (penalty or not)
    execution_refused.send(case)                    # the agency applied to the people's court for enforcement
                                                    # (operations.execution.apply_enforcement): the party did
                                                    # not pay after the 催告书
    decision_overturned.send(case, outcome=outcome) # a 复议/诉讼 outcome 撤销/变更/确认违法 was recorded
                                                    # (operations.execution.decide_remedy)
Sender: the PenaltyCase.
"""

from blinker import Namespace

_signals = Namespace()

decision_made = _signals.signal("cases.decision_made")
execution_refused = _signals.signal("cases.execution_refused")
decision_overturned = _signals.signal("cases.decision_overturned")
