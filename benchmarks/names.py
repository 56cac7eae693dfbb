"""Word lists the generator draws names from: realistic enough that pages, labels and search look like news.

Kept apart from ``generate.py`` so the generator reads as logic, not as data.
"""

from __future__ import annotations

CITIES = (
    "Tianjin", "Beijing", "Shanghai", "Nanjing", "Wuhan", "Chengdu", "Xi'an", "Harbin", "Dalian", "Jinan",
    "Qingdao", "Hangzhou", "Xiamen", "Fuzhou", "Changsha", "Zhengzhou", "Hefei", "Nanchang", "Kunming",
    "Guiyang", "Nanning", "Lanzhou", "Xining", "Yinchuan", "Urumqi", "Hohhot", "Shenyang", "Changchun",
    "Shijiazhuang", "Taiyuan", "Chongqing", "Guangzhou", "Shenzhen", "Suzhou", "Wuxi", "Ningbo", "Wenzhou",
    "Yantai", "Weihai", "Tangshan", "Baoding", "Luoyang", "Kaifeng", "Xuzhou", "Yangzhou", "Zhenjiang",
    "Changzhou", "Shaoxing", "Jiaxing", "Huzhou", "Quanzhou", "Zhangzhou", "Ganzhou", "Jiujiang", "Yichang",
    "Xiangyang", "Zhuzhou", "Hengyang", "Mianyang", "Zigong", "Luzhou", "Zunyi", "Dali", "Lijiang", "Baotou",
    "Anshan", "Fushun", "Jilin", "Daqing", "Qiqihar", "Mudanjiang", "Handan", "Cangzhou", "Zibo", "Weifang",
)
UNIVERSITY_FORMS = (
    "{city} University", "{city} University of Technology", "{city} Normal University",
    "{city} Medical University", "{city} University of Science and Technology", "{city} Polytechnic University",
)
COLLEGES = (
    "College of Intelligence and Computing", "School of Chemical Engineering and Technology",
    "School of Precision Instruments and Optoelectronics", "School of Civil Engineering",
    "School of Materials Science and Engineering", "School of Electrical and Information Engineering",
    "School of Mechanical Engineering", "School of Life Sciences", "School of Mathematics",
    "School of Architecture", "School of Management and Economics", "School of Marine Science",
    "School of Environmental Science", "School of Pharmaceutical Science", "Law School",
    "School of Foreign Languages", "Medical School", "School of Microelectronics",
)
KNOWN_COMPANIES = (
    "Huawei", "China Telecom", "China Mobile", "China Unicom", "ZTE", "Lenovo", "Alibaba", "Tencent",
    "Baidu", "SinoPharm", "State Grid", "China Railway", "COMAC", "Sinopec", "PetroChina", "BYD",
)
COMPANY_WORDS = ("Sino", "Bohai", "Haihe", "Jinghai", "Zhonghe", "Tianhe", "Huaxin", "Xinda", "Hengyuan", "Ruida")
COMPANY_KINDS = ("Technology", "Semiconductor", "Pharmaceutical", "Energy", "Materials", "Robotics", "Networks")
GOVERNMENT_FORMS = (
    "{city} Municipal Government", "{city} Industrial and Information Technology Bureau",
    "{city} Science and Technology Bureau", "{city} Education Commission",
)
NATIONAL_BODIES = (
    "Ministry of Science and Technology", "Ministry of Industry and Information Technology",
    "Ministry of Education", "National Natural Science Foundation of China",
    "National Development and Reform Commission", "Chinese Academy of Sciences",
)
SURNAMES = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu",
    "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang", "Han", "Feng", "Deng",
    "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Pan", "Yuan", "Cai", "Jiang", "Yu", "Du", "Ye", "Cheng",
    "Wei", "Su", "Lu", "Ding", "Ren", "Shen", "Yao", "Qi",
)
SYLLABLES = (
    "wei", "fang", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan", "jie", "tao", "ming",
    "chao", "xiu", "xia", "hua", "ping", "gang", "hui", "bin", "yu", "feng", "qing", "hong", "bo", "ning",
    "peng", "xin", "kai", "rui", "hao", "yi", "zhi", "chen", "lan", "ying", "song", "dong",
)
TOPICS = (
    "5G", "artificial intelligence", "big data", "intelligent network", "edge intelligence",
    "human-computer interaction", "pattern recognition", "digital government", "smart city", "smart society",
    "smart healthcare", "new infrastructure", "industrial internet", "quantum computing", "blockchain",
    "cloud computing", "cybersecurity", "new energy", "hydrogen energy", "carbon neutrality",
    "new materials", "biomedicine", "precision medicine", "marine engineering", "intelligent manufacturing",
    "robotics", "autonomous driving", "integrated circuits", "optoelectronics", "synthetic biology",
    "green chemistry", "water treatment", "smart agriculture", "rail transit", "aerospace",
    "talent training", "industry-university-research collaboration", "innovation and entrepreneurship",
    "international cooperation", "digital economy",
)
TOPIC_QUALIFIERS = ("applied", "advanced", "sustainable", "industrial", "clinical", "computational", "urban")
ACTIVITIES = (
    "exploring cutting-edge technologies", "talent training", "transformation of scientific achievements",
    "joint research", "building shared laboratories", "exchange of visiting scholars",
    "co-supervising graduate students", "providing an open service platform for enterprises",
    "solving technical problems in the industry", "joint applications for national projects",
)
SECTIONS = ("College News", "Campus News", "Research", "Cooperation", "International", "Features")
