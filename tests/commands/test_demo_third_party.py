"""A third-party connector that registers its fake (register_fakes) joins ``slabridge demo``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

# Only the Example plugin, registered as a module the way a third-party package would be.
DEMO = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from slabridge.demo.run import run_demo

    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    result = run_demo(Path(sys.argv[1]), tickets_per_helpdesk=30, now=now, say=lambda _: None)
    [helpdesk] = result.helpdesks
    tagged = [i for i in helpdesk.ticket_ids if helpdesk.fake.tickets[i]["tags"]]
    print(json.dumps({
        "exit_code": result.exit_code,
        "instance": helpdesk.instance,
        "fetched": [summary.fetched for summary in result.summaries],
        "breaches": sum(summary.new_breaches for summary in result.summaries),
        "loaded": len(helpdesk.ticket_ids),
        "tagged": len(tagged),
        "report": result.report_path.is_file(),
    }))
    """
)


def test_the_demo_starts_seeds_and_syncs_a_third_party_connector_s_registered_fake(
    tmp_path: Path,
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLABRIDGE_")}
    env.update(SLABRIDGE_LOAD_PLUGINS="", SLABRIDGE_PLUGIN_MODULES="slabridge.testing.example")
    run = subprocess.run(
        [sys.executable, "-c", DEMO, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["exit_code"] == 0 and outcome["instance"] == "demo-example"
    assert outcome["fetched"] == [30] and outcome["loaded"] == 30
    assert outcome["breaches"] > 0 and outcome["tagged"] == 30 and outcome["report"]
    config = (tmp_path / "slabridge.yaml").read_text(encoding="utf-8")
    assert "type: example" in config and "token: ${DEMO_EXAMPLE_TOKEN}" in config
