"""Benchmark ``flexplan validate`` on a large synthetic manifest.

Generates a manifest of 5,000 resources -- 200 Studio flows whose definitions
(JSON files) have about 60 widgets each, 1,794 Flex Flows, 3,000
Conversations addresses and the 6 channel configs -- spread over include
files, then reports the wall time of a full validation and the peak memory
(resident set size) of the process.

    .venv/bin/python benchmarks/validate_bench.py [--keep DIR] [--repeat N]

Aim: under one second and under 200 MB.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

FLOWS, FLEX_FLOWS, ADDRESSES, WIDGETS = 200, 1794, 3000, 60
CHANNEL_CONFIGS = ("web", "sms", "whatsapp", "email", "messenger", "gbm")


def studio_definition(n: int) -> dict[str, object]:
    names = [f"widget_{n}_{i}" for i in range(WIDGETS)]
    states: list[dict[str, object]] = [
        {"name": "Trigger", "type": "trigger",
         "transitions": [{"event": "incomingMessage", "next": names[0]}, {"event": "incomingCall"}],
         "properties": {"offset": {"x": 0, "y": 0}}},
    ]  # fmt: skip
    for i, name in enumerate(names[:-1]):
        states.append({
            "name": name, "type": "send-and-wait-for-reply",
            "transitions": [{"event": "incomingMessage", "next": names[i + 1]},
                            {"event": "timeout", "next": names[-1]}, {"event": "deliveryFailure"}],
            "properties": {"offset": {"x": 10 * i, "y": 200 * i},
                           "from": "{{flow.channel.address}}", "timeout": "3600",
                           "body": f"Question {i}: how can we help? (${{GREETING}})"},
        })  # fmt: skip
    states.append({
        "name": names[-1], "type": "send-to-flex",
        "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"}],
        "properties": {"workflow": "${WORKFLOW_SID}", "channel": "${CHANNEL_SID}",
                       "attributes": "{\"name\": \"{{trigger.message.ChannelAttributes.from}}\"}"},
    })  # fmt: skip
    return {"description": f"Synthetic flow {n}", "initial_state": "Trigger", "states": states}


def studio_yaml(n: int) -> str:
    return (
        f"  flow-{n}:\n    friendly_name: Synthetic Flow {n}\n    status: published\n"
        f"    definition_file: studio/flow-{n}.json\n    vars:\n"
        "      WORKFLOW_SID: {workflow: Assign to Anyone}\n"
        "      CHANNEL_SID: {task_channel: chat}\n"
    )


def flex_flow_yaml(n: int) -> str:
    return (
        f"  flex-{n}:\n    friendly_name: Flex Flow {n}\n    chat_service: Flex Chat Service\n"
        f'    channel_type: sms\n    contact_identity: "+1666{n:07d}"\n    enabled: true\n'
        f"    janitor_enabled: true\n    integration:\n      type: studio\n"
        f"      studio_flow: flow-{n % FLOWS}\n      retry_count: 1\n"
    )


def address_yaml(n: int) -> str:
    return (
        f'  address-{n}:\n    type: sms\n    address: "+1777{n:07d}"\n'
        f"    friendly_name: Address {n}\n    auto_creation:\n      enabled: true\n"
        f"      type: studio\n      studio_flow: flow-{n % FLOWS}\n      studio_retry_count: 3\n"
    )


def generate(root: Path) -> None:
    (root / "studio").mkdir(parents=True)
    (root / "parts").mkdir()
    for n in range(FLOWS):
        text = json.dumps(studio_definition(n), indent=2)
        (root / "studio" / f"flow-{n}.json").write_text(text, encoding="utf-8")
    (root / "flexplan.yaml").write_text(
        "version: 1\ninclude: [parts/*.yaml]\nvars: {GREETING: Hello}\nstudio_flows:\n"
        + "".join(studio_yaml(n) for n in range(FLOWS))
        + "channel_configs:\n"
        + "".join(f"  {t}:\n    attachments: {{enabled: true}}\n" for t in CHANNEL_CONFIGS),
        encoding="utf-8",
    )
    for part in range(10):
        flows = range(part, FLEX_FLOWS, 10)
        addresses = range(part, ADDRESSES, 10)
        (root / "parts" / f"part-{part}.yaml").write_text(
            "flex_flows:\n"
            + "".join(flex_flow_yaml(n) for n in flows)
            + "conversations_addresses:\n"
            + "".join(address_yaml(n) for n in addresses),
            encoding="utf-8",
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    parser.add_argument("--repeat", type=int, default=3, help="validations to time (best kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "manifest"
        generate(root)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        from flexplan.manifest import validate_directory  # imports count toward memory

        times = []
        for _ in range(args.repeat):
            manifest = diagnostics = None  # measure one validation's memory, not two
            gc.collect()
            start = time.perf_counter()
            manifest, diagnostics = validate_directory(root)
            times.append(time.perf_counter() - start)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        digest = manifest.digest if manifest is not None else ""
        digest_time = time.perf_counter() - start
    if manifest is None or diagnostics:
        print("\n".join(d.render() for d in (diagnostics or [])[:10]), file=sys.stderr)
        return 1
    flows = manifest.entries_of("studio_flows")
    widgets = sum(len(getattr(e.spec, "definition", {})["states"]) for e in flows)
    files = len(manifest.files)
    print(f"resources: {len(manifest.entries)} in {files} files")
    print(f"  {len(flows)} Studio flows with {widgets} widgets in all")
    print(f"validate: best {min(times):.3f} s, worst {max(times):.3f} s over {len(times)} runs")
    print(f"manifest digest (computed on first use, by plan): {digest_time:.3f} s ({digest[:12]})")
    print(f"peak RSS: {peak:.0f} MB (before importing flexplan: {rss_before:.0f} MB)")
    ok = min(times) < 1.0 and peak < 200
    print("aim (< 1 s, < 200 MB): " + ("met" if ok else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
