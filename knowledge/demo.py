"""Demo knowledge entries, published, so a first run has something to search."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from core.timeutil import utcnow
from knowledge.service import next_search_seq, store_search_terms
from models import KnowledgeArticle, KnowledgeRevision, OrgUnit, User

# (owner unit code, category, region, public, title, body, keywords, source document)
DEMO_ENTRIES = (
    ("SC-RST", "guide", None, True, "社会保障卡补换办理指南",
     ("社会保障卡遗失或损坏的，可携带本人有效身份证件到就近的社保经办机构或合作银行网点办理补换，"
     "也可通过“四川e社保”手机应用在线申请，补卡期间原卡已挂失，医保结算可使用医保电子凭证。"),
     ["社保卡", "补卡", "挂失"], None),
    ("SC-YBJ", "guide", None, True, "跨省异地就医备案办理指南",
     ("参保人员跨省异地就医前，可通过国家医保服务平台、四川医保公共服务平台或参保地医保经办机构办理备案。"
     "备案后在就医地定点医疗机构可直接结算。临时外出就医人员备案有效期内可多次就医。"),
     ["异地就医", "备案", "医保"], "国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知"),
    ("CD-WATER", "event_script", "510100", False, "计划停水应答口径",
     ("市民咨询停水的，先核实所在区域是否在停水公告范围内；在范围内的，告知停水原因、起止时间和临时供水点；"
     "不在范围内的，记录地址并按供水故障转成都市自来水有限责任公司处置。大面积停水属特殊事项，4小时内首次响应。"),
     ["停水", "供水", "自来水"], None),
    ("SC-SWJ", "interpretation", None, True, "个人所得税综合所得年度汇算问答",
     ("纳税人可通过个人所得税手机应用办理年度汇算，汇算期为次年3月1日至6月30日。"
     "年度综合所得收入不超过12万元且需要补税的，或补税金额不超过400元的，无需办理汇算。"),
     ["个税", "汇算", "退税"], None),
    ("CD-ZJJ", "faq", "510100", False, "物业服务纠纷受理范围",
     ("业主反映物业服务质量、收费等问题的，属地街道和区（市）县住建部门负责调查处理；"
     "涉及价格违法的，转市场监管部门；涉及房屋质量的，转住建部门质量监督机构。"),
     ["物业", "物业费", "小区"], None),
)


async def seed_demo_knowledge(session: AsyncSession, settings: Settings) -> None:
    """Publish the demo entries on an empty knowledge base (demo data only)."""
    if not settings.demo.demo_data or await session.scalar(select(func.count(KnowledgeArticle.id))):
        return
    admin_id = await session.scalar(select(User.id).where(User.username == "admin"))
    for unit_code, category, region, public, title, body, keywords, source in DEMO_ENTRIES:
        unit_id = await session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit_code))
        article = KnowledgeArticle(owner_unit_id=unit_id, category=category, region_code=region, public=public,
                                   status="published", published_at=utcnow())
        session.add(article)
        await session.flush()
        revision = KnowledgeRevision(article_id=article.id, version=1, title=title, body=body, keywords=keywords,
                                     source_document=source, state="published", author_id=admin_id,
                                     reviewer_id=admin_id, reviewed_at=utcnow(), review_note="演示数据")
        await store_search_terms(revision)
        session.add(revision)
        await session.flush()
        article.live_revision_id = revision.id
        article.search_seq = await next_search_seq(session)
