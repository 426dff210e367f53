"""``examples/privacy.txt``: a private check-in, a member's export and forgetting, the audit log.

The transcript is replayed by ``convene run --script`` and must print what it
says, line for line: a pulse whose answers go into a summary naming nobody
tells members so in every prompt, and its summary quotes only Carys, who allowed
it; Carys exports what Convene holds about her, then has it forgotten, which
edits her quote out of the summary and deletes her export's message; the
convener's audit log lists what conveners did, Carys as "a former member".
``CONVENE_REWRITE_TRANSCRIPTS=1`` writes the transcript again after a deliberate
change (read the diff).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_conversation_transcripts import replayed
from tests.support.cli import ConveneCommand

REPO = Path(__file__).resolve().parents[2]
TRANSCRIPT = REPO / "examples" / "privacy.txt"
QUOTE = "Rota gaps again; three agency shifts this week"


def test_a_member_exports_then_forgets_themselves_and_the_audit_log_names_nobody_forgotten(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    written = TRANSCRIPT.read_text(encoding="utf-8")
    printed = replayed(TRANSCRIPT, tmp_path, convene_command)
    if printed is None:
        return
    assert printed == written
    lines = printed.splitlines()
    prompts = [
        line for line in lines if line.startswith("bot → ") and "Time for *Team pulse*" in line
    ]
    assert len(prompts) == 4
    assert lines.count("bot →   Your answers go to: a summary in #general that names nobody.") >= 4
    forgotten = lines.index("carys: [Forget me]")
    assert f'bot →   - "{QUOTE}"' in lines[:forgotten]
    assert f'bot →   - "{QUOTE}"' not in lines[forgotten:]
    assert 'bot →   - "(removed)"' in lines[forgotten:]
    audit = lines.index("/convene audit")
    assert any("member add: a former member" in line for line in lines[audit:])
    assert not any("carys" in line for line in lines[audit:])
    export = json.loads((tmp_path / "convene-files" / "convene-my-data.json").read_text())
    assert QUOTE in json.dumps(export)
