"""User-facing texts shared by the plumbing (each handler module keeps its own at its top)."""

BOT_NAME = "创新服务助手"
CANCEL_WORDS = {"取消", "/cancel", "退出"}

CANCELLED = "好的，已取消。需要时再发「帮助」看看我能做什么。"
NOTHING_TO_CANCEL = "现在没有进行中的操作，无需取消。发「帮助」看看我能做什么。"
AMBIGUOUS_NAME = ("通讯录里有 {count} 位「{name}」：\n{choices}\n请在姓名后用括号写明是哪一位（部门、组或 userid），"
                  "再发一次，例如：\n{example}\n这次什么都没有做。")
OVER_BUDGET = ("这条消息没有执行，也没有发给任何人：{window}内你已经让我给别人发了 {limit} 次消息，"
               "这是上限（防止刷屏）。请 {wait}后再发一次。你发的内容：\n{text}")
INTERNAL_ERROR = "抱歉，处理这条消息时出错了。你的消息已保存，管理员会查看；请稍后再试一次。"
STRANGER = ("你好！我是{bot}，为创新服务部提供审批、纪要、周报等服务。"
            "你的账号（{userid}）不在本部门的组织架构里，暂时无法使用。如需开通，请联系部门总监或人力资源。")
NON_TEXT = ("暂时只能看懂文字消息，收到的{kind}已保存。\n"
            "请用文字告诉我要做什么，例如：「帮助」或「我是谁」。")
EMPTY_MESSAGE = "收到一条空消息。请用文字告诉我要做什么。\n\n{help}"
UNKNOWN = "没看懂「{text}」。你的消息已保存。\n\n{help}"
# 「请问怎么发周报」 / 「帮我查一下我的申请」: the question names a command — show how it is sent.
HOW_TO = "想用「{keyword}」吗？{summary}。这样发：\n{example}\n（发「帮助」看看我还能做什么。）"
DID_YOU_MEAN = "没看懂「{text}」。你是不是想发「{meant}」？是的话请重新发送这句；发「帮助」看看我能做什么。"
STALE_CARD = "这张卡片已失效或不再需要操作。发「帮助」看看我能做什么。"
CONVERSATION_TIMED_OUT = "上一个未完成的操作已超时（{minutes} 分钟没有回复），已取消。需要时重新发起即可，发「帮助」看看我能做什么。"
OPEN_QUESTION_DEFAULT = "刚才的操作"
QUESTION_STILL_OPEN = "（{label}还在等你回复：{asked}）"
QUESTION_STILL_OPEN_SHORT = "（{label}还在等你回复；发「取消」可放弃。）"
# A second 驳回 while the first one's reason is still asked: the first goes on without a reason, and
# the approver is told so (P3; the same for rotation, P2).
EARLIER_REASON_SKIPPED = "（#{id} 的驳回理由没有等到，已转告 {name}：理由未填写。）\n"
QUESTION_REPLACED = "（{label}没有等到回复，已作废；需要时再发一次。）"
CONVERSATION_EXPIRED = "（上一个未完成的操作已超时取消。）\n"
NON_TEXT_KINDS = {"image": "图片", "voice": "语音", "video": "视频", "file": "文件",
                  "location": "位置", "link": "链接"}
