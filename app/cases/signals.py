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
    proposal_closed.send(proposal, case_no=case_no) # a 案件线索 ended (filing._close_proposal): read
                                                    # proposal.status (已立案/已简易处罚/不予处罚/不予立案/
                                                    # 已移送), proposal.reason; case_no: 立案号/决定书号
Sender: the PenaltyCase (proposal_closed: the CaseProposal).
"""

from blinker import Namespace

_signals = Namespace()

decision_made = _signals.signal("cases.decision_made")
execution_refused = _signals.signal("cases.execution_refused")
decision_overturned = _signals.signal("cases.decision_overturned")
proposal_closed = _signals.signal("cases.proposal_closed")
