"""`agent-eval collisions`: roster agents whose descriptions and examples overlap, with the evidence."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "collisions", help="pairs of agents whose descriptions overlap, most first, with the evidence"
    )
    parser.add_argument("--agents-dir", metavar="DIR", help="folder of agent files (default: agents/)")
    parser.add_argument("--top", type=int, default=10, help="pairs shown (default 10; 0 for all)")
    parser.add_argument(
        "--model",
        metavar="M",
        help="also route every agent's own examples through this model and print the cross-confusion matrix",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agent_eval.agents.roster import load_roster
    from agent_eval.author.collisions import find_collisions
    from agent_eval.paths import agents_dir, display_path

    roster = load_roster(agents_dir(override=args.agents_dir))
    if not roster.agents:
        print(f"agent-eval collisions: no agent parsed in {display_path(roster.directory)}", file=sys.stderr)
        return 2
    collisions = find_collisions(roster.agents, top=None)
    if args.top:  # the top pairs that differ, and every identical pair besides (they are listed compactly)
        differing = [c for c in collisions if not c.identical][: args.top]
        collisions = [c for c in collisions if c.identical or c in differing]
    output: dict[str, object] = {"pairs": [c.as_json() for c in collisions]}
    if args.model:
        from agent_eval.author.confusion import example_confusion, render_matrix

        confusion = example_confusion(roster, args.model)
        output["confusion"] = confusion.as_json()
        if not args.json:
            print(render_matrix(confusion), file=sys.stderr)
    if args.json:
        print(json.dumps(output, indent=2, ensure_ascii=False))
        return 0
    if not collisions:
        print("no overlapping pair of agents")
    copies = [c for c in collisions if c.identical]
    if copies:
        print(f"{len(copies)} pairs have identical descriptions (the model cannot tell them apart at all):")
        for copy in copies:
            print(f"    {copy.a} = {copy.b}")
    for rank, collision in enumerate((c for c in collisions if not c.identical), 1):
        print(f"{rank:>2}. {collision.a} ↔ {collision.b}   overlap {collision.score:.2f}")
        print(f"    shared words: {', '.join(collision.shared_words) or '-'}")
        print(f"    only {collision.a}: {', '.join(collision.only_a) or '-'}")
        print(f"    only {collision.b}: {', '.join(collision.only_b) or '-'}")
        for stolen in collision.stolen_examples:
            print(f"    example of {stolen.owner} routed to {stolen.routed_to}: {_clip(stolen.text)}")
    return 0


def _clip(text: str, width: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
