"""What the voice menu says (zh-CN). Defaults here; a YAML file (HOTLINE_PROMPTS_FILE) of
`key: text` overrides any of them. Keys are what ivr.menu and the call flow ask for; the
two fixed-name prompts are played by the dialplan itself (see asterisk_conf/extensions.conf.j2).
"""
from __future__ import annotations

from pathlib import Path

DEFAULT_TEXTS: dict[str, str] = {
    "greeting": "您好，欢迎致电12345政务服务便民热线。",
    "menu": "个人事项请按1，涉企事项请按2，查询工单办理进度请按3，人工服务请按0。",
    "invalid": "您的输入有误，请重新选择。",
    "ticket_enter": "请输入工单编号中的全部数字，以井号键结束。",
    "ticket_not_found": "未查询到该工单，请核对后重新输入。",
    "ticket_invalid": "输入有误。",
    "queue_wait": "正在为您转接话务员，请稍候。",
    "caller_warned": "提示：您的号码曾多次无正当理由拨打本热线，已被警告。请合理使用热线资源。",
    "transfer_wait": "正在为您转接，请不要挂机。",
    "transfer_failed": "转接未成功，正在为您转回人工服务。",
    # the satisfaction survey's call (ivr.survey, R-16); each question answered with 1, 2 or 3
    "survey_speed": "请您对办理时效进行评价：满意请按1，基本满意请按2，不满意请按3。",
    "survey_resolution": "请问您反映的问题解决了吗？已解决请按1，部分解决请按2，未解决请按3。",
    "survey_overall": "请您对办理结果的总体满意度进行评价：满意请按1，基本满意请按2，不满意请按3。",
    "survey_thanks": "感谢您的评价，再见。",
    # played by the dialplan (fixed file names, no hash): blocked caller, no application
    "caller-blocked": "您的号码因违反热线使用规定，已被暂停服务。如有异议，请通过12345网站反映。",
    "service-unavailable": "系统繁忙，请稍后再拨。",
}
# Prompts the dialplan plays by file name (written under these exact names): the notices, and
# the greeting and menu for the benchmark's app_queue route (bench/bench_acd.py), which plays
# callers the same menu as ours.
FIXED_NAMES = ("caller-blocked", "service-unavailable", "greeting", "menu")

# Sentences made on the fly (str.format fields).
QUEUE_POSITION = "您前面还有{ahead}位来电，请耐心等候。"
QUEUE_FIRST = "您是下一位，马上为您接通。"
TICKET_STATUS = "您查询的工单，尾号{tail}，当前状态：{status}。"
SURVEY_GREETING = "您好，这里是12345政务服务便民热线。您反映的工单，尾号{tail}，{matter}，已经办结，现在对办理情况进行回访。"


def load_texts(path: Path | None) -> dict[str, str]:
    """The default texts with the YAML file's overrides (unknown keys are an error)."""
    texts = dict(DEFAULT_TEXTS)
    if path is None:
        return texts
    import yaml

    overrides = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(overrides, dict):
        raise TypeError(f"{path}: expected a mapping of prompt key to text")
    unknown = set(overrides) - set(DEFAULT_TEXTS)
    if unknown:
        raise ValueError(f"{path}: unknown prompt keys {sorted(unknown)}")
    texts.update({k: str(v) for k, v in overrides.items()})
    return texts


def queue_position_text(ahead: int) -> str:
    return QUEUE_FIRST if ahead <= 0 else QUEUE_POSITION.format(ahead=ahead)


def ticket_status_text(number: str, status_label: str) -> str:
    digits = "".join(c for c in number if c.isdigit())
    tail = " ".join(digits[-6:])  # spoken digit by digit
    return TICKET_STATUS.format(tail=tail, status=status_label)


def survey_greeting_text(number: str, matter: str) -> str:
    digits = "".join(c for c in number if c.isdigit())
    return SURVEY_GREETING.format(tail=" ".join(digits[-6:]), matter=matter)
