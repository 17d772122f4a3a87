/**
 * Crisis language by category, English and Chinese (simplified, with the common traditional
 * forms), written from what each kind of brand crisis looks like in posts, not from examples.
 *
 * Weight: how strongly one asserted occurrence says "this post reports a crisis of that kind"
 * (0..1): ~0.9 for events that are a crisis in any context (caught fire, 食物中毒, data breach,
 * 跑路), ~0.6 for strong but ambiguous words (recall, hacked, 曝光), ~0.3–0.4 for words that only
 * add up with others (dangerous, 投诉, apologise). `negatable: false` marks complaint phrases
 * whose negated form is still the complaint ("never shipped", 不给退款).
 *
 * `CRISIS_BLOCKERS` are the other senses of crisis words, matched like terms: a crisis word
 * inside one of them is no signal ("fire drill", "crash test", "burn rate", "killer feature",
 * "this is fire", 空气炸锅, 消防演习, 心态崩了). Popular slang (火爆, 爆款, 火了) contains no crisis
 * term, so it needs no blocker. `CRISIS_CONTEXT_CUES` mark a clause as a drill, test, fiction,
 * safety advice or a hypothetical, where a crisis word is discounted (`crisis-scan.ts`).
 *
 * Lexicon grammar as in `lexicon.ts`: CJK terms are substrings, Latin terms whole words
 * (phrases tolerate punctuation between words), `*` matches any ending of the last word.
 */
export const CRISIS_CATEGORIES = [
  'safety',
  'health',
  'fraud',
  'privacy',
  'outage',
  'legal',
  'boycott',
  'labour',
  'scandal',
] as const;
export type CrisisCategory = (typeof CRISIS_CATEGORIES)[number];

export interface CrisisTerm {
  term: string;
  category: CrisisCategory;
  weight: number;
  negatable?: boolean;
}

const t = (category: CrisisCategory, weight: number, terms: string, negatable = true): CrisisTerm[] =>
  terms
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((term) => ({ term, category, weight, negatable }));

export const CRISIS_TERMS: readonly CrisisTerm[] = [
  // ── Product safety: fire, smoke, explosion, burns, shock, mechanical failure, injury, recalls.
  ...t(
    'safety',
    0.9,
    `caught fire|caught on fire|catch fire|catches fire|catching fire|burst into flames|bursts into flames|
     burst in flames|went up in flames|goes up in flames|engulfed in flames|in flames|explode|exploded|explodes|exploding|
     blew up in my|blew up on me|house fire*|kitchen fire*|electrical fire*|battery fire*|fire hazard*|fire risk*|
     started a fire|caused a fire|causing fires|caused fires|cause fires|fire broke out|set on fire|
     electric shock*|electrocut*|brake failure*|brakes failed|brakes fail*|brake fail*|lost my brakes|
     steering failure*|steering failed|airbag* failed|airbag* didn't deploy|severe burns|burn injur*|
     second-degree burn*|third-degree burn*|second degree burn*|third degree burn*|choking hazard*|
     suffocat*|strangl*|death trap|fatal*|fatality|fatalities|gas leak*|carbon monoxide|
     battery swell*|swollen battery|battery bulg*|short circuit*|short-circuit*`,
  ),
  ...t(
    'safety',
    0.75,
    `explosion*|overheat*|melted|melting|sparked|sparking|sparks flew|smoke pouring|smoke coming|
     smoke billowing|billowing smoke|started smoking|began smoking|was smoking|is smoking|full of smoke|
     filled with smoke|smoke everywhere|flames|on fire|injured|injuries|injury|injuring|hospitali*|
     emergency room|burns|scald*|broke her|broke his|broke my|broken bone*|fractur*|concussion|stitches|
     product recall*|safety recall*|voluntary recall*|recall notice*|issue a recall|issued a recall|issues recall|
     issues a recall|recall it|recall them|recall this|recall these|recall now|recalled over|recalls over|
     recalled after|recalls after|recalled due|recalled because|being recalled|been recalled|was recalled|
     were recalled|is recalling|are recalling|recalling its|recalling all|mass recall|massive recall|recall of|
     unsafe|killed|hazardous|lead paint|asbestos|tip-over|tipped over|exploding battery`,
  ),
  ...t(
    'safety',
    0.45,
    `recall*|dangerous|danger|hazard*|died|burned|burnt|shattered|snapped|defect*|cut my|sliced my|safety issue*|safety concern*|stop using|
     unplug*|do not use|don't use|dont use|nearly died|could have killed|almost killed|smoke|sparks|blew up|blows up`,
  ),
  ...t(
    'safety',
    0.9,
    `起火|着火|失火|自燃|燃烧起来|烧起来|火灾|爆炸|爆燃|闪爆|炸开|炸伤|漏电|触电|被电|电击|刹车失灵|刹车失效|
     刹车不灵|断轴|转向失灵|方向盘失灵|气囊未弹|烧伤|烫伤|灼伤|死亡|身亡|丧生|遇难|致死|致残|出人命|重伤|伤亡|
     窒息|一氧化碳|燃气泄漏|煤气泄漏|鼓包|起火燃烧`,
  ),
  ...t(
    'safety',
    0.75,
    `冒烟|冒黑烟|冒火|冒火花|烧焦|焦糊|烧化|烧坏|烧毁|烧穿|熔化|融化了|过热|受伤|致伤|伤到|划伤|割伤|
     骨折|缝针|缝了|送医|急诊|抢救|召回|紧急召回|安全隐患|短路|撞伤|摔伤|磕伤|砸伤|夹伤|扎伤|刺伤|咬伤|撞到头|磕到头|被夹|断裂`,
  ),
  ...t(
    'safety',
    0.45,
    '危险|隐患|停止使用|停用|吓死|差点|险些|事故|伤着|烫手|发烫严重|失控|火花|爆了|炸了|断了|甩出去|撞到',
  ),
  // ── Health: food poisoning, contamination, foreign objects, allergic reactions, harmed pets.
  ...t(
    'health',
    0.9,
    `food poisoning|poisoned|poisoning|salmonella|e. coli|e.coli|ecoli|listeria|norovirus|botulism|
     contaminat*|tainted|foreign object*|foreign body|allergic reaction*|anaphyla*|epipen|sick after eating|
     got sick after|got sick from|made me sick|made us sick|made everyone sick|made my kids sick|fell ill|
     fell sick|became ill|dozens sick|people sick|outbreak|carcinogen*|cancer-causing`,
  ),
  ...t(
    'health',
    0.75,
    `threw up|throwing up|vomit*|diarrh*|stomach bug|mold|mould|moldy|mouldy|rotten|spoiled|spoilt|
     cockroach*|roach*|maggot*|droppings|rodent*|rat in|rats in|mice in|a fly in|fly in my|bugs in my|bug in my food|
     bug in my drink|worm in|worms in|insect in|insects in|hair in my|a hair in|glass in|piece of glass|shard*|metal shaving*|metal fragment*|piece of metal|
     piece of plastic|dead fly|dead bug|dead mouse|lead levels|heavy metals|vet bills|my dog died|my cat died|
     dog got sick|cat got sick|dog is sick|cat is sick|killed my dog|killed my cat`,
  ),
  ...t('health', 0.45, 'sick|allergic|vet|nauseous|nausea|stomach ache|stomach pain|swollen|expired|toxic'),
  ...t(
    'health',
    0.9,
    `食物中毒|中毒|上吐下泻|拉肚子|腹泻|腹瀉|呕吐|嘔吐|过敏性休克|休克|吃出|喝出|异物|異物|钢丝|玻璃渣|碎玻璃|
     铁丝|蟑螂|苍蝇|蒼蠅|老鼠|霉变|发霉|發霉|长毛了|变质|變質|腐烂|致癌|细菌超标|大肠杆菌|沙门氏菌|李斯特菌|
     地沟油|地溝油|过期原料|过期食品|过期肉|絮状物|不明物体|头发丝`,
  ),
  ...t('health', 0.75, '过敏|過敏|虫子|蛆|馊了|臭了|超标|重金属|住院|宠物医院|兽医|吃坏|喝坏|肚子疼|肚子痛'),
  ...t('health', 0.45, '吐了|红肿|肿起来|起疹子|过期|過期'),
  // ── Fraud and scams: money taken, platforms collapsing, impersonation, deceptive selling.
  ...t(
    'fraud',
    0.9,
    `scam*|scammed|scammer*|fraud*|ponzi|pyramid scheme|rug pull*|rugpull*|exit scam|stole my money|
     stole from me|stole|took my money|ripped off|rip off|rip-off|counterfeit*|phishing|
     impersonat*|posing as|pretending to be|unauthorized charge*|unauthorised charge*|
     withdrawals frozen|froze withdrawals|frozen withdrawals|can't withdraw|cannot withdraw|unable to withdraw|
     disappeared with|vanished with|bait and switch|identity theft`,
  ),
  ...t(
    'fraud',
    0.75,
    `fake product*|fake item*|knockoff*|knock-off*|charged me twice|double charged|charged my card|
     hidden fees|false advertising|deceptive|misleading|never shipped|never delivered|never arrived|
     never received|founders are gone|site's offline|website vanished|chargeback`,
    false,
  ),
  ...t(
    'fraud',
    0.9,
    `诈骗|詐騙|被骗|被騙|骗子|騙子|骗局|騙局|骗钱|騙錢|骗走|骗了|欺诈|欺詐|跑路|爆雷|暴雷|卷款|捲款|圈钱|
     割韭菜|庞氏|传销|資金盤|资金盘|非法集资|提现不了|提不了现|提现提不出|提不出来|无法提现|不能提现|退不了款|
     拿不回|血本无归|冒充|假冒|套路贷|钓鱼网站|钓鱼链接|盗刷|人去楼空`,
  ),
  ...t(
    'fraud',
    0.75,
    '假货|假貨|山寨|虚假宣传|虛假宣傳|虚假发货|霸王条款|乱扣费|偷偷扣费|私自扣费|押金退不|押金不退|不退押金',
    false,
  ),
  // ── Privacy: breaches, leaks, hacked and hijacked accounts, data misuse.
  ...t(
    'privacy',
    0.9,
    `data breach*|breached|security breach*|data leak*|leaked data|leaked customer*|leaked user*|
     leaked personal|leaked passwords|passwords leaked|records exposed|data exposed|exposed data|
     exposed customer*|exposed patient*|stolen data|stolen passwords|account takeover|taken over|
     hijacked|ransomware|spyware|sold my data|selling my data|selling user data|without consent|
     without my consent|without permission|sim swap*|doxx*|dark web|hacked|hackers|been hacked|id scans`,
  ),
  ...t(
    'privacy',
    0.75,
    `leaked|compromised|stolen credentials|leaked credentials|credential stuffing|malware|spying|tracking me|
     uploading my contacts`,
  ),
  ...t(
    'privacy',
    0.9,
    `泄露|洩露|泄漏|外泄|数据泄露|信息泄露|隐私泄露|被盗号|盗号|盜號|账号被盗|帐号被盗|被盗|被人登录|异地登录|
     被登录|撞库|黑客|被黑|勒索病毒|偷拍|窃听|竊聽|监听|偷偷上传|未经同意|未经授权|大数据杀熟|大數據殺熟|
     开盒|公开售卖|倒卖信息|贩卖信息|被盗用|被冒用`,
  ),
  ...t('privacy', 0.6, '骚扰电话|诈骗电话|找不回|账号被封'),
  // ── Outages that lock users out of the service or their money.
  ...t(
    'outage',
    0.8,
    `outage*|locked out|locks me out|locked me out|lock us out|locked us out|can't log in|cannot log in|
     can't login|can't sign in|unable to log in|unable to sign in|can't access|cannot access|unable to access|
     can't pay|cannot pay|unable to pay|can't transfer|cannot transfer|service down|servers down|
     server down|site down|app down|global outage|
     service disruption`,
  ),
  ...t(
    'outage',
    0.45,
    "breach|blackout|is down|been down|went down|down again|down for|not loading|won't load|no service|no signal|not working|stopped working|crashes|crashing|offline",
  ),
  ...t(
    'outage',
    0.8,
    `崩了|宕机|宕機|瘫痪|癱瘓|服务中断|服務中斷|无法登录|無法登錄|登不上|登录不了|登陆不了|进不去|无法支付|
     付不了款|支付失败|转不出|转不了账|无法转账|取不了钱|锁在门外|锁在外面|被锁|打不开门|系统故障|服务器故障|
     大面积故障|停摆|断网|全部停了|收银全停`,
  ),
  ...t('outage', 0.45, '崩溃|挂了|打不开|用不了|无法使用|故障|没信号'),
  // ── Legal and regulatory action.
  ...t(
    'legal',
    0.85,
    `lawsuit*|sued|suing|sue them|sue you|going to sue|class action|class-action|legal action|litigation|
     indicted|indictment|charged with|pleaded guilty|subpoena*|cease and desist|injunction|attorney general|
     regulators|regulator|investigation|investigated|investigating|fined|antitrust|ftc|cpsc|fda warning|
     ofcom|cnil|got served|small claims`,
  ),
  ...t('fraud', 0.6, '坑钱|坑人|黑店', false),
  ...t(
    'privacy',
    0.4,
    '个人信息|個人資料|隐私|隱私|personal data|personal information|card details|my details|change your password*',
  ),
  ...t('scandal', 0.3, 'apologi*|resign*|offensive|热搜|熱搜|公关'),
  ...t('health', 0.3, '难受|不舒服'),
  ...t(
    'legal',
    0.5,
    'lawyer*|attorney*|court|probe|penalty|penalised|penalized|settlement|banned|ban|complaint filed',
  ),
  ...t(
    'legal',
    0.85,
    `起诉|起訴|被起诉|诉讼|訴訟|集体诉讼|集體訴訟|打官司|律师函|律師函|法院|立案|判决|判決|判赔|仲裁|被告|
     罚款|罰款|行政处罚|处罚|處罰|被罚|约谈|約談|立案调查|市场监管|市場監管|市监局|监管部门|監管部門|介入调查|
     消协|消協|消费者协会|12315|工商局|卫健委|网信办|黑猫投诉|责令整改|涉嫌|查处|被查`,
  ),
  ...t(
    'legal',
    0.5,
    '律师|维权|維權|索赔|索賠|赔偿|賠償|举报|舉報|投诉|投訴|调查|违法|違法|违规|通报|整改|讨说法|给个说法',
  ),
  // ── Boycotts and calls to stop buying. Strong: calls on others (boycott, stop buying, 抵制);
  // weak: one customer's own vow (never buying again, 再也不买), a complaint more than a campaign.
  ...t(
    'boycott',
    0.85,
    `boycott*|stop buying|don't buy from|do not buy from|avoid this brand|delete your account|
     uninstall it now|cancel them|cancelled them|canceling them|do not support|don't support them`,
  ),
  ...t(
    'boycott',
    0.45,
    `never buying|never buy from|never buying from|never spending|never shopping|will never buy|won't be buying|
     deleting my account|deleted my account|never again|don't buy|do not buy|dont buy|stay away|i'm done with|
     im done with|uninstall*|join me|spread the word`,
  ),
  ...t('boycott', 0.85, '抵制|拒买|拒買|千万别买|千萬別買|不值得支持|不要支持'),
  ...t(
    'boycott',
    0.45,
    '别买|別買|避雷|再也不买|再也不会买|再也不買|不再支持|别再去|再也不去|不买了|不會再買|不会再买|不会再去|退坑|拉黑|卸载|卸載|取关|脱粉|粉转黑',
  ),
  // ── Labour abuse.
  ...t(
    'labour',
    0.85,
    `on strike|walkout|walk-out|walked out|picket*|union busting|union-busting|unpaid wages|unpaid overtime|
     wage theft|sweatshop*|child labour|child labor|child workers|forced labour|forced labor|forced overtime|
     no breaks|can't take breaks|peeing in bottles|pee in bottles|exploiting workers|exploited workers|
     worker died|worker deaths|workplace death*|unsafe working conditions|mass layoffs|fired for unioniz*|
     fired the staff|fired workers|underpaid`,
  ),
  ...t(
    'labour',
    0.5,
    'strike|layoffs|laid off|unioniz*|unionis*|hour shifts|exploitation|exploited|overworked',
  ),
  ...t(
    'labour',
    0.85,
    `罢工|罷工|讨薪|討薪|欠薪|拖欠工资|拖欠工資|工资拖欠|克扣工资|克扣|压榨|剥削|血汗工厂|童工|强制加班|强制996|
     过劳|猝死|过劳死|工伤|集体辞职|暴力裁员|无故辞退|不交社保|不给社保|不给加班费|没有加班费|拖欠`,
  ),
  ...t('labour', 0.45, '裁员|裁員|辞退|加班到凌晨|996|罚款员工|随意罚款'),
  // ── Scandals: misconduct, deception, cover-ups, tax evasion, discrimination.
  ...t(
    'scandal',
    0.85,
    `scandal*|cover-up|cover up|covered up|hid it|lied to|lied about|lying to|tax evasion|tax fraud|
     evaded taxes|embezzl*|bribe*|bribery|corruption|arrested|misconduct|sexual harassment|harassed|harassment|
     racist|racism|sexist|homophobic|transphobic|discriminat*|greenwashing|animal cruelty|whistleblower*|
     leaked emails|leaked memo*|leaked documents|execs knew|executives knew|relabelled|relabeled|mislabelled|
     mislabeled|fake reviews|paid reviews|astroturf*|under fire`,
  ),
  ...t('scandal', 0.45, 'exposed|backlash|outrage*|controversy|slammed|condemned|insensitive|hid the'),
  ...t(
    'scandal',
    0.85,
    `塌房|人设崩|丑闻|醜聞|黑幕|内幕|实锤|實錘|偷税|漏税|偷稅|逃税|逃稅|行贿|受贿|贪污|腐败|性骚扰|性騷擾|猥亵|
     歧视|歧視|辱华|辱華|种族歧视|侮辱|羞辱|包庇|隐瞒|造假|数据造假|刷单|水军|以次充好|偷工减料|
     被曝|被爆|众怒|眾怒`,
  ),
  ...t('scandal', 0.45, '道歉|致歉|舆论|洗白|甩锅|解约|解約|封杀|虚标|骚扰|騷擾|翻车|翻車|曝光|爆料|内幕'),
  // ── The main terms in Spanish, French, German and Japanese.
  ...t(
    'safety',
    0.75,
    'リコール|回収|rückruf*|retirada del mercado|rappel produit|火災|怪我|死亡事故|muerte|herido|blessé|décès|verletzt',
  ),
  ...t('health', 0.85, 'intoxicación|intoxication alimentaire|lebensmittelvergiftung|食中毒|異物混入'),
  ...t('fraud', 0.75, 'estafa|fraude|arnaque|escroquerie|betrug|abzocke|詐欺|偽物'),
  ...t('privacy', 0.75, 'filtración de datos|fuite de données|datenleck|情報漏洩|個人情報'),
  ...t('legal', 0.6, 'demanda|abogado|procès|avocat|klage|anwalt|訴え|裁判'),
  ...t('boycott', 0.85, 'boicot*|boycotter|boykott*|不買運動'),
  ...t('labour', 0.6, 'huelga|grève|streik|ストライキ'),
  ...t('scandal', 0.6, '炎上|告発|差別|セクハラ|パワハラ|racismo|racisme|rassismus'),
];

/**
 * Other senses of crisis words. A crisis term that falls inside one of these is no signal.
 * Longest match wins, so a blocker only needs to cover the crisis word it contains.
 */
export const CRISIS_BLOCKERS: readonly string[] = `
  fire drill*|fire alarm test*|fire safety training|fire extinguisher*|smoke test*|smoke detector*|smoke alarm*|
  smoke-free|smoke free|crash test*|crash course*|stress test*|penetration test*|pen test*|burn rate|calorie burn|
  burns calories|burns fat|fat burn*|killer feature*|killer app*|killer deal*|killer price*|killer combo|
  killer look|killed it|killing it|killin it|absolutely killed|is fire|so fire|straight fire|pure fire|
  this is fire|that's fire|thats fire|was fire|lowkey fire|on fire today|team is on fire|team on fire|
  is on fire|was on fire|were on fire|i'm on fire|explosion of flavo*|flavour explosion|flavor explosion|
  explosive growth|exploded in popularity|sales exploded|blew up on tiktok|blew up online|went viral|
  smoking hot|smoking deal|hot as fire|fire sale|fireworks|firework|bonfire|campfire|fireplace|
  recall correctly|i recall|you recall|we recall|can't recall|cannot recall|don't recall|dont recall|
  if i recall|as i recall|recall seeing|recall reading|recall hearing|recall that|recall when|total recall|
  recall rate|fatal error*|phone died|battery died|laptop died|died on me|it died|tv died|charger died|
  just died|headphones died|stole the show|stole my heart|stole the spotlight|toxic positivity|
  recall score|precision and recall|sick beat|sick burn|so sick|that's sick|thats sick|
  sick of|sick and tired|ill-advised|ill advised|strike a balance|strikes a balance|lucky strike|
  strike gold|bowling strike|court side|courtside|food court|tennis court|basketball court|
  food court|heartburn|sunburn*|breach of contract|take over the|taken over the|takes over the|
  down payment|down to earth|down-to-earth|down jacket|down for it|down for a|goose down|breakdown of|
  toxic positivity|lit af|dying to try|dying to get|to die for|i'm dead|im dead|dead simple|
  leaked all over|leaking water|leaked water|leaks water|leak water|water leak*|leaked everywhere|
  leaking everywhere|leak under the sink|
  消防演习|消防演練|消防演练|应急演练|應急演練|演习|演練|演练|攻防演练|碰撞测试|碰撞試驗|安全测试|压力测试|
  空气炸锅|空氣炸鍋|炸锅|炸鍋|炸鸡|炸雞|油炸|炸串|炸酱|炸薯条|气炸|氣炸|炸裂|炸场|炸街|炸毛|太炸了|炸了炸了|燃爆|炸翻|
  心态崩|心態崩|我崩溃|要崩溃|快崩溃|崩溃了我|心态爆炸|信息爆炸|知识爆炸|爆炸性增长|爆炸头|
  火爆|爆款|爆火|火了|火出圈|人气爆棚|爆单|爆满|爆红|热卖|抢爆|
  召回率|被告知|打开盒|开盒子|拆开盒|游戏中毒|中毒太深|听中毒|洗脑|被种草|安利|毒舌|米老鼠|差点意思|脑子短路|大脑短路|
  碰撞出火花|擦出火花|思想火花|卖爆|抢爆了|评论区爆|曝光率|曝光度|预防中毒|防止触电|以防|防火|防爆|阻燃|防漏电|防过热|防烫|防摔|无火灾|
  调查问卷|问卷调查|满意度调查|市场调查|调研|满减|冒火锅
`
  .split('|')
  .map((s) => s.trim())
  .filter(Boolean);

/**
 * Words that make a clause a drill, test, fiction, safety advice, or a hypothetical: a crisis
 * term in the same clause is discounted (`CONTEXT_FACTOR` in crisis-scan.ts).
 */
export const CRISIS_CONTEXT_CUES: readonly string[] = `
  drill|drills|simulation|simulated|mock|rehearsal|tutorial|tips|tip of the day|
  how to|what to do if|what to do when|in case of|in the event of|safety tip*|plot|novel|movie|
  episode|season finale|fiction|fictional|in the game|in-game|hypothetical*|scenario|
  演习|演練|演练|模拟|模擬|科普|常识|知识|教程|如何处置|如何应对|如何处理|应该如何|怎么处理|怎么办才|以防|
  预防|防止|避免|小说|小說|电影|電影|电视剧|電視劇|剧情|劇情|剧中|戏里|拍戏|片中|影片|综艺|动漫|动画|漫画|游戏里|游戏中|
  假如|万一|如果|一旦|测试中|测试时
`
  .split('|')
  .map((s) => s.trim())
  .filter(Boolean);

/**
 * Sentence-level denials: a crisis term in a sentence that calls it a rumour, debunks it or
 * says it is unrelated to the brand is discounted like a negated one.
 */
export const CRISIS_DENIAL_CUES: readonly string[] = `
  rumor|rumors|rumour|rumours|debunked|debunk|hoax|fake news|false claim*|false report*|not true|
  isn't true|is false|misinformation|unrelated|no evidence|
  辟谣|闢謠|谣言|謠言|不实|不實|假新闻|无关|無關|子虚乌有|纯属捏造|并非事实|不属实|已澄清|澄清
`
  .split('|')
  .map((s) => s.trim())
  .filter(Boolean);
