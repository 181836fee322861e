"""One evaluation run, stage by stage: options → plan → execution (and judge pass) → summary.

`evaluate.run_eval` wires them; each stage is its own module so a new suite or harness touches none of them.
"""
