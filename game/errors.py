"""Errors of the contest engine.

Every rule the engine enforces has its own exception with a stable string ``code`` that the server
sends to the client unchanged. A rejected command changes nothing: ``decide`` raises before any
event exists.

Exception tree::

    GameError                       root; never raised itself
    ├── RuleError                   the client asked for something the rules forbid (code sent back)
    │   ├── InvalidSetup            invalid_setup        malformed contest, team, round, question
    │   ├── DuplicateId             duplicate_id         an id is already taken
    │   ├── UnknownTeam             unknown_team
    │   ├── UnknownPlayer           unknown_player
    │   ├── UnknownRound            unknown_round
    │   ├── NotYourTeam             not_your_team        a player acted for another team
    │   ├── WrongPhase              wrong_phase          not allowed in this state
    │   ├── ContestNotRunning       contest_not_running
    │   ├── ContestPaused           contest_paused
    │   ├── NotPaused               not_paused
    │   ├── QuestionNotActive       question_not_active  no question is taking answers
    │   ├── BuzzersClosed           buzzers_closed
    │   ├── TeamLockedOut           team_locked_out
    │   ├── NotYourTurn             not_your_turn        another team is answering
    │   ├── DeadlinePassed          deadline_passed      the answer came after the lock
    │   ├── InvalidAnswer           invalid_answer       wrong shape for the question
    │   ├── InvalidPoints           invalid_points       a score adjustment out of range
    │   ├── JudgementPending        judgement_pending    answers wait for the host's verdict
    │   ├── NothingToJudge          nothing_to_judge
    │   ├── NothingToUndo           nothing_to_undo
    │   ├── NoMoreQuestions         no_more_questions
    │   └── NoTie                   no_tie               a tie-break needs teams level at the top
    └── EngineBug                   an internal invariant broke; a bug, never the client's fault
"""

from __future__ import annotations


class GameError(Exception):
    """Root of every error the engine raises."""

    code = "game_error"


class RuleError(GameError):
    """The command breaks a rule; ``code`` is stable and safe to show to the client."""

    code = "rule_error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = str(self.args[0])


class InvalidSetup(RuleError):
    """The contest, a team, a round or a question is malformed."""

    code = "invalid_setup"


class DuplicateId(RuleError):
    """That id is already taken."""

    code = "duplicate_id"


class UnknownTeam(RuleError):
    """There is no such team in this contest."""

    code = "unknown_team"


class UnknownPlayer(RuleError):
    """There is no such player in this contest."""

    code = "unknown_player"


class UnknownRound(RuleError):
    """There is no such round in this contest."""

    code = "unknown_round"


class NotYourTeam(RuleError):
    """A player may act only for their own team."""

    code = "not_your_team"


class WrongPhase(RuleError):
    """The contest is not in a state that allows this command."""

    code = "wrong_phase"


class ContestNotRunning(RuleError):
    """The contest has not started or has already ended."""

    code = "contest_not_running"


class ContestPaused(RuleError):
    """The contest is paused."""

    code = "contest_paused"


class NotPaused(RuleError):
    """The contest is not paused."""

    code = "not_paused"


class QuestionNotActive(RuleError):
    """No question is taking answers right now."""

    code = "question_not_active"


class BuzzersClosed(RuleError):
    """The buzzers are closed."""

    code = "buzzers_closed"


class TeamLockedOut(RuleError):
    """This team is locked out of the current question."""

    code = "team_locked_out"


class NotYourTurn(RuleError):
    """Another team has the turn to answer."""

    code = "not_your_turn"


class DeadlinePassed(RuleError):
    """Answers for this question are locked."""

    code = "deadline_passed"


class InvalidAnswer(RuleError):
    """The answer does not fit the question."""

    code = "invalid_answer"


class InvalidPoints(RuleError):
    """A score adjustment must be a whole number of points within the allowed range."""

    code = "invalid_points"


class JudgementPending(RuleError):
    """Some answers still wait for the host's judgement."""

    code = "judgement_pending"


class NothingToJudge(RuleError):
    """There is no answer waiting for a judgement."""

    code = "nothing_to_judge"


class NothingToUndo(RuleError):
    """There is no judgement that can be undone."""

    code = "nothing_to_undo"


class NoMoreQuestions(RuleError):
    """The round has no more questions."""

    code = "no_more_questions"


class NoTie(RuleError):
    """A tie-break needs two or more teams level at the top."""

    code = "no_tie"


class EngineBug(GameError):
    """An internal invariant of the engine broke. This is a bug, never the client's fault."""

    code = "internal_error"


RULE_ERRORS: tuple[type[RuleError], ...] = tuple(RuleError.__subclasses__())
"""Every rule error class, for documentation and tests of the stable codes."""
