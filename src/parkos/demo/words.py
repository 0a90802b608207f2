"""Word lists for realistic Chinese park data (demo park and the park-year generator)."""

from __future__ import annotations

import random

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉萍红玲建林飞鹏辉宇浩然子轩梓涵一诺欣怡思远雨桐嘉懿晨阳佳琪文博俊熙语彤泽宇若曦浩宇梦瑶家豪诗涵天佑书瑶铭晟")
NAME_PREFIX = ["思灵", "云启", "深瞳", "智源", "星河", "极光", "蓝鲸", "天工", "知行", "慧眼", "青禾", "远景", "北辰", "量子",
               "九章", "澄明", "启航", "凌云", "数格", "元象", "睿新", "光年", "清芯", "磐石", "驭势", "灵犀", "卓越", "赛博",
               "融科", "海纳", "鸿鹄", "新源", "智谱", "微光", "博睿", "格物", "致远", "恒星", "鲲鹏", "天枢"]
INDUSTRY_WORDS = {
    "ai": ["智能", "人工智能", "智能科技", "视觉"],
    "robotics": ["机器人", "智能装备", "机器人科技"],
    "medtech": ["医疗科技", "生物科技", "医学影像"],
    "energy": ["新能源", "储能科技", "能源科技"],
    "software": ["软件", "信息技术", "数据科技", "网络科技"],
    "services": ["科技服务", "咨询", "知识产权代理"],
    "materials": ["新材料", "材料科技"],
    "manufacturing": ["智造", "精密制造"],
}
INDUSTRY_TAGS = {
    "ai": ["大模型", "计算机视觉", "语音识别", "AIGC", "数据标注", "智能驾驶"],
    "robotics": ["协作机器人", "具身智能", "配送机器人", "机械臂", "工业自动化"],
    "medtech": ["医疗器械", "AI 辅助诊断", "创新药", "体外诊断", "康复"],
    "energy": ["储能", "光伏", "氢能", "充电桩", "碳中和"],
    "software": ["SaaS", "企业服务", "网络安全", "云原生", "低代码"],
    "services": ["财税", "法务", "知识产权", "人力资源", "投融资"],
    "materials": ["石墨烯", "复合材料", "半导体材料"],
    "manufacturing": ["工业互联网", "数字孪生", "智能工厂"],
}
# English (pinyin) for the name prefixes and industry words, so a demo enterprise's English name is
# English throughout ("Yunqi Intelligent Technology (Beijing) Co., Ltd."), never half Chinese.
NAME_PREFIX_EN = {
    "思灵": "Siling", "云启": "Yunqi", "深瞳": "Shentong", "智源": "Zhiyuan", "星河": "Xinghe", "极光": "Jiguang",
    "蓝鲸": "Lanjing", "天工": "Tiangong", "知行": "Zhixing", "慧眼": "Huiyan", "青禾": "Qinghe", "远景": "Yuanjing",
    "北辰": "Beichen", "量子": "Liangzi", "九章": "Jiuzhang", "澄明": "Chengming", "启航": "Qihang", "凌云": "Lingyun",
    "数格": "Shuge", "元象": "Yuanxiang", "睿新": "Ruixin", "光年": "Guangnian", "清芯": "Qingxin", "磐石": "Panshi",
    "驭势": "Yushi", "灵犀": "Lingxi", "卓越": "Zhuoyue", "赛博": "Saibo", "融科": "Rongke", "海纳": "Haina",
    "鸿鹄": "Honghu", "新源": "Xinyuan", "智谱": "Zhipu", "微光": "Weiguang", "博睿": "Borui", "格物": "Gewu",
    "致远": "Zhiyuan Tech", "恒星": "Hengxing", "鲲鹏": "Kunpeng", "天枢": "Tianshu",
}
INDUSTRY_WORDS_EN = {
    "智能": "Intelligent", "人工智能": "AI", "智能科技": "Intelligent Technology", "视觉": "Vision",
    "机器人": "Robotics", "智能装备": "Intelligent Equipment", "机器人科技": "Robotics Technology",
    "医疗科技": "Medical Technology", "生物科技": "Biotechnology", "医学影像": "Medical Imaging",
    "新能源": "New Energy", "储能科技": "Energy Storage Technology", "能源科技": "Energy Technology",
    "软件": "Software", "信息技术": "Information Technology", "数据科技": "Data Technology",
    "网络科技": "Network Technology", "科技服务": "Technology Services", "咨询": "Consulting",
    "知识产权代理": "IP Agency", "新材料": "New Materials", "材料科技": "Materials Technology",
    "智造": "Smart Manufacturing", "精密制造": "Precision Manufacturing",
}
CITIES_EN = {"北京": "Beijing", "上海": "Shanghai", "深圳": "Shenzhen", "杭州": "Hangzhou", "苏州": "Suzhou",
             "南京": "Nanjing", "成都": "Chengdu", "武汉": "Wuhan", "西安": "Xi'an", "合肥": "Hefei"}


def enterprise_name_en(prefix: str, word: str, city: str, *, tech_form: bool) -> str:
    """The English of "{prefix}{word}科技（{city}）有限公司" (``tech_form``) or "{city}{prefix}{word}有限公司";
    "" where a part has no English (an English name is whole or absent)."""
    p, w, c = NAME_PREFIX_EN.get(prefix), INDUSTRY_WORDS_EN.get(word), CITIES_EN.get(city)
    if not (p and w and c):
        return ""
    if tech_form:
        tech = "" if w.endswith(("Technology", "Technologies")) else " Technology"
        return f"{p} {w}{tech} ({c}) Co., Ltd."
    return f"{c} {p} {w} Co., Ltd."


CITIES = ["北京", "上海", "深圳", "杭州", "苏州", "南京", "成都", "武汉", "西安", "合肥"]
SKILLS = ["Python", "机器学习", "产品设计", "市场营销", "财务管理", "嵌入式开发", "前端开发", "数据分析", "项目管理", "知识产权",
          "硬件设计", "算法研究", "销售", "人力资源", "法务", "供应链", "用户研究", "运营", "投融资", "临床研究"]
INTERESTS = ["人工智能", "机器人", "新能源", "医疗科技", "企业服务", "创业", "投资", "开源", "跑步", "羽毛球", "摄影", "咖啡",
             "读书会", "亲子", "徒步", "桌游"]
LANGUAGES = ["中文", "English", "Deutsch", "日本語"]
BIO_OPENERS = ["在园区工作第{n}年", "专注{skill}方向", "热爱{interest}", "负责公司的{skill}工作", "喜欢结识园区里的新朋友"]
NEEDS = ["寻找试点客户，希望对接园区内的制造企业", "招聘算法工程师 3 名", "申请高新技术企业认定，需要财税辅导",
         "寻找 A 轮融资，希望对接早期投资机构", "需要扩租约 200 平方米办公空间", "希望申请人才引进落户名额",
         "寻找知识产权代理，计划申请 10 项发明专利", "需要会议场地举办产品发布会", "希望拓展海外市场，了解出海政策",
         "需要实验室设备共享"]
DESCRIPTIONS = ["{name}是一家专注于{tag}的{industry}企业，团队来自国内外知名高校与企业。",
                "公司围绕{tag}提供产品与解决方案，服务客户覆盖{city}等地。",
                "我们致力于用{tag}技术推动产业升级，已获得多项发明专利。"]


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given
