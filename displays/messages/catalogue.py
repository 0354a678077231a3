"""The interface-text catalogue: one typed dictionary of messages per language.

Theory of operation
-------------------
Every text a page shows that does not come from the contest itself (question texts, team names and
round titles arrive in the views as per-language maps) is a key of ``Messages``. Each language has
one module (``displays.messages.lv`` …) holding a ``Messages`` dict, so ``mypy`` rejects a language
that misses a key or has one too many, and ``tests/displays/test_messages.py`` checks the same at
run time together with the ``{placeholders}`` of every text.

The templates read the catalogue of the page's language directly; the page also embeds it as JSON
so that its JavaScript renders live updates with the very same texts. ``{name}`` placeholders are
filled by the JavaScript (``i18n.js``) — Python never formats them.

Error texts are ``error_<code>`` for every stable error code of docs/protocol.md §4 (and the HTTP
API's codes), so a page shows a refused command in its own language.
"""

from __future__ import annotations

import importlib
from typing import Final, Literal, TypedDict, get_args

Lang = Literal["lv", "lt", "en"]
LANGUAGES: Final[tuple[Lang, ...]] = get_args(Lang)
DEFAULT_LANGUAGE: Final[Lang] = "lv"
LANGUAGE_NAMES: Final[dict[Lang, str]] = {"lv": "Latviešu", "lt": "Lietuvių", "en": "English"}
"""Each language's name in that language, for the language switch."""


class Messages(TypedDict):
    """Every interface text, by key. Keys ending in ``_n`` or holding ``{…}`` take parameters."""

    app_name: str
    language_label: str
    page_host: str
    page_tablet: str
    page_screen: str
    page_audience: str
    page_index: str
    conn_connecting: str
    conn_connected: str
    conn_reconnecting: str
    conn_auth_failed: str
    conn_screen_link: str
    conn_no_contest: str
    conn_origin: str
    conn_client_error: str
    conn_too_many_errors: str
    contest_setup: str
    contest_running: str
    contest_finished: str
    contest_paused: str
    no_question: str
    waiting_to_start: str
    round_n: str
    question_n_of: str
    kind_buzzer: str
    kind_all_play: str
    kind_estimation: str
    kind_tiebreak: str
    phase_shown: str
    phase_armed: str
    phase_open: str
    phase_collecting: str
    phase_answering: str
    phase_judging: str
    phase_closed: str
    phase_answers_open: str
    phase_locked: str
    phase_revealed: str
    phase_skipped: str
    scoreboard: str
    final_scores: str
    winner: str
    winners_tied: str
    col_rank: str
    col_team: str
    col_score: str
    col_venue: str
    value_true: str
    value_false: str
    verdict_correct: str
    verdict_wrong: str
    verdict_pending: str
    no_answer: str
    correct_answer: str
    accepted_answers: str
    tolerance: str
    explanation: str
    results: str
    points_gained: str
    answered_teams: str
    not_answered_yet: str
    buzzed_first: str
    locked_out_teams: str
    countdown_opens: str
    countdown_buzz: str
    countdown_answer: str
    countdown_deadline: str
    image_credit: str
    join_title: str
    join_code: str
    join_code_hint: str
    join_name: str
    join_name_hint: str
    join_generation: str
    gen_none: str
    gen_child: str
    gen_teen: str
    gen_adult: str
    gen_senior: str
    join_button: str
    joining: str
    joined_as: str
    leave: str
    confirm_leave: str
    buzz: str
    buzz_wait: str
    buzz_pressed: str
    buzz_locked: str
    buzz_closed: str
    your_turn: str
    you_won_buzz: str
    other_turn: str
    you_are_locked_out: str
    not_in_round: str
    your_answer: str
    answer_by: str
    no_team_answer: str
    send_answer: str
    answer_sent: str
    answer_replaces: str
    move_up: str
    move_down: str
    number_placeholder: str
    text_placeholder: str
    choose_one: str
    choose_many: str
    order_hint: str
    invalid_number: str
    empty_answer: str
    result_correct: str
    result_wrong: str
    result_points: str
    team_members: str
    secret_label: str
    secret_hint: str
    secret_connect: str
    secret_forget: str
    overview: str
    connections: str
    conn_hosts: str
    conn_displays: str
    conn_audience: str
    conn_agents: str
    conn_players: str
    teams_and_codes: str
    col_join_code: str
    col_players: str
    tablet_link: str
    rounds: str
    round_played: str
    round_now: str
    questions_count: str
    controls: str
    cmd_start_contest: str
    cmd_start_round: str
    cmd_show_question: str
    cmd_open_buzzers: str
    cmd_lock_answers: str
    cmd_reveal: str
    cmd_next_question: str
    cmd_skip_question: str
    cmd_end_round: str
    cmd_pause: str
    cmd_resume: str
    cmd_undo_judgement: str
    cmd_adjust_score: str
    cmd_start_tiebreak: str
    cmd_end_contest: str
    confirm_end_contest: str
    confirm_skip_question: str
    confirm_end_round: str
    undo_for: str
    judge_correct: str
    judge_wrong: str
    answering_now: str
    answers: str
    col_answer: str
    col_player: str
    col_suggested: str
    col_verdict: str
    col_judge: str
    col_points: str
    source: str
    phase: str
    adjust_team: str
    adjust_delta: str
    adjust_reason: str
    adjust_reason_needed: str
    photo_finish: str
    pf_note: str
    pf_claimed: str
    pf_effective: str
    pf_bound: str
    pf_arrival: str
    pf_path: str
    pf_source: str
    pf_clamped: str
    pf_tie: str
    pf_winner: str
    remove_player: str
    confirm_remove_player: str
    # issue 14: tablet touch latency, set by the host
    touch_latency: str
    touch_latency_prompt: str
    touch_latency_measured: str
    done: str
    activity: str
    index_intro: str
    index_contest_id: str
    index_open: str
    error_bad_json: str
    error_invalid_message: str
    error_unknown_type: str
    error_forbidden: str
    error_hello_required: str
    error_already_hello: str
    error_rate_limited: str
    error_clock_not_synced: str
    error_contest_busy: str
    error_internal_error: str
    error_invalid_setup: str
    error_duplicate_id: str
    error_unknown_team: str
    error_unknown_player: str
    error_unknown_round: str
    error_not_your_team: str
    error_wrong_phase: str
    error_contest_not_running: str
    error_contest_paused: str
    error_not_paused: str
    error_question_not_active: str
    error_buzzers_closed: str
    error_team_locked_out: str
    error_not_your_turn: str
    error_deadline_passed: str
    error_invalid_answer: str
    error_judgement_pending: str
    error_nothing_to_judge: str
    error_nothing_to_undo: str
    error_no_more_questions: str
    error_no_tie: str
    error_bad_join_code: str
    error_invalid_points: str
    error_database_unavailable: str
    error_too_many_errors: str
    error_too_many_attempts: str
    error_player_removed: str
    error_join_key_taken: str
    error_message_too_large: str
    error_unauthorized: str
    error_not_found: str
    error_connection_lost: str
    error_network: str
    # --- several server processes (issue 17) ---
    error_owner_changed: str
    error_cluster_unavailable: str
    error_unknown: str
    # registration kiosk and tablet codes (issue 13)
    page_kiosk: str
    kiosk_scan_title: str
    kiosk_scan_hint: str
    kiosk_card_label: str
    kiosk_pin_title: str
    kiosk_pin_hint: str
    kiosk_pin_erase: str
    kiosk_pin_ok: str
    kiosk_checking: str
    kiosk_hello: str
    kiosk_team_title: str
    kiosk_generation_title: str
    kiosk_confirm: str
    kiosk_back: str
    kiosk_start_over: str
    kiosk_done_title: str
    kiosk_done_again: str
    kiosk_done_team: str
    kiosk_tablet_code: str
    kiosk_tablet_hint: str
    kiosk_outcome_unknown_card: str
    kiosk_outcome_wrong_pin: str
    kiosk_outcome_blocked_card: str
    kiosk_outcome_library_unavailable: str
    kiosk_fallback_offer: str
    kiosk_fallback_button: str
    kiosk_fallback_title: str
    kiosk_fallback_name: str
    kiosk_fallback_pin: str
    kiosk_no_token: str
    kiosk_no_teams: str
    kiosk_too_many: str
    join_have_code: str
    join_tablet_code: str
    join_with_code_button: str
    join_or_team_code: str
    error_card_registered_elsewhere: str
    error_wrong_team: str
    error_registration_expired: str
    error_wrong_librarian_pin: str
    error_librarian_fallback_off: str
    error_bad_tablet_code: str
    error_invalid_card_number: str
    error_invalid_pin: str
    error_no_libraries: str
    error_unknown_library: str
    # --- the big screen's lobby and the results (issue 15) ---
    lobby_join_hint: str
    lobby_starts_at: str
    lobby_waiting_players: str
    lobby_players_n: str
    lobby_go: str
    error_not_finished: str
    # the host console's registered players (issues 13 and 15)
    players_panel: str
    players_none: str
    players_refresh: str
    players_col_library: str
    players_col_generation: str
    players_col_via: str
    via_card: str
    via_librarian: str
    via_code: str
    players_erase: str
    players_confirm_erase: str
    players_erased: str
    players_summary: str
    players_results_link: str
    # the host console's agents and buzzer check, the screen's check overlay (issue 12)
    agents_panel: str
    agents_check_start: str
    agents_check_stop: str
    agents_check_on_note: str
    agents_check_off_note: str
    agents_new: str
    agents_venue: str
    agents_teams: str
    agents_create: str
    agents_token_once: str
    agents_copy: str
    agents_copied: str
    agents_done: str
    agents_none: str
    agents_connected: str
    agents_gone_since: str
    agents_never: str
    agents_revoked: str
    agents_heard: str
    agents_link_bound: str
    agents_buffered: str
    agents_box_open: str
    agents_box_down: str
    agents_presses: str
    agents_refused: str
    agents_rename: str
    agents_rename_prompt: str
    agents_revoke: str
    agents_confirm_revoke: str
    agents_choose_team: str
    agents_snippet_start: str
    agents_snippet_port: str
    agents_snippet_channels: str
    check_screen_title: str
    check_screen_hint: str
    error_agent_revoked: str
    error_buzzer_question_open: str
    error_unknown_agent: str
    # venue-ready tablets (issue 16)
    large_text: str
    high_contrast: str
    read_aloud: str
    read_aloud_no_voice: str
    log_by_host: str
    log_player_joined: str
    log_false_start: str
    log_answered: str
    log_out_of_time: str
    verdict_closest: str
    verdict_not_closest: str
    result_closest: str
    result_not_closest: str
    source_tablet: str
    source_box: str
    join_error_code_empty: str
    join_error_name_empty: str
    join_error_both_empty: str
    you_false_started: str
    sign_toggle: str
    # the host forgives a false start (issue 16)
    cmd_forgive_false_start: str
    false_started_team: str
    log_false_start_forgiven: str
    # the host console's next step, shortcuts and confirmations (issue 16)
    next_step: str
    next_waiting_buzz: str
    next_waiting_photo: str
    next_judge_answers: str
    next_results: str
    answer_clock: str
    time_up_penalty: str
    time_up_no_penalty: str
    more_actions: str
    shortcuts: str
    shortcuts_note: str
    key_next_step: str
    shortcut_help: str
    dialog_cancel: str
    confirm_adjust_score: str
    confirm_undo_judgement: str
    error_false_start: str
    dialog_close: str
    # the big screen's optional sounds (issue 16)
    sound: str
    sound_on: str
    sound_off: str
    sound_volume: str
    sound_enable: str
    # senior and accessible mode, the host console's teams (issue 16)
    time_modes_heading: str
    time_modes_hint: str
    time_mode_standard: str
    time_mode_extended: str
    time_mode_untimed: str
    time_mode_changed: str


def choose_language(value: str | None) -> Lang:
    """The page language for a ``?lang=`` value (lv, lt, en); anything else gives ``lv``."""
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return DEFAULT_LANGUAGE


def catalogue(lang: Lang) -> Messages:
    """The messages of one language."""
    module = importlib.import_module(f"displays.messages.{lang}")
    messages: Messages = module.MESSAGES
    return messages
