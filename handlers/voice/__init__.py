"""Voice (P19, P20): conflicts and suggestions — what people raise, and what becomes of it.

| module | what |
|---|---|
| ``conflicts`` | P19 申请调解, 调解结果, 仲裁结果, 调解记录, 调解列表; job ``mediation_deadline`` |
| ``cases`` | P19 who mediates, who sees a case, the hand-over to HR (once) |
| ``suggestions`` | P20 建议 (匿名建议, 建议 3 to look at #3), 建议列表; the open ones in the director's digest |
| ``suggestion_answers`` | P20 回复建议 (once; 改为 to change a verdict) |
"""
from handlers.voice import conflicts  # noqa: F401
from handlers.voice import suggestions  # noqa: F401
from handlers.voice import suggestion_answers  # noqa: F401
