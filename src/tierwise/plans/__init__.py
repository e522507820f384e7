"""Account plans: a draft joint business plan per account, drawn from a run's evidence
(CONTRACT §7). ``draft_plan`` builds one; ``render_plan`` writes it as Markdown, HTML or
JSON; ``tierwise.workspace.plans`` keeps edited versions in the workspace database."""
