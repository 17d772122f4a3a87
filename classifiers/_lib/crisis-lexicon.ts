/**
 * Escalation language by category, English and Chinese (simplified, common traditional forms),
 * with the main terms in Spanish, French, German and Japanese. Weight: how strongly one
 * occurrence suggests a brand crisis (0..1). `negatable: false` marks complaint terms that stay
 * complaints under negation ("never got my refund", 不给退款).
 *
 * Lexicon grammar as in `_lib/lexicon.ts`: CJK substrings, whole Latin words, `*` endings.
 */
export type CrisisCategory =
  | 'boycott'
  | 'recall'
  | 'legal'
  | 'injury'
  | 'food-safety'
  | 'privacy'
  | 'discrimination'
  | 'fraud'
  | 'regulator'
  | 'protest'
  | 'consumer-rights'
  | 'exposure'
  | 'collapse';

export interface CrisisTerm {
  term: string;
  category: CrisisCategory;
  weight: number;
  negatable?: boolean;
}

const t = (category: CrisisCategory, weight: number, terms: string, negatable = true): CrisisTerm[] =>
  terms.split('|').map((term) => ({ term: term.trim(), category, weight, negatable }));

export const CRISIS_TERMS: readonly CrisisTerm[] = [
  // boycott
  ...t(
    'boycott',
    0.6,
    'boycott*|#boycott*|stop buying|never buying|never buy from|cancel culture|cancelled them',
  ),
  ...t('boycott', 0.5, "dont buy|don't buy|do not buy|avoid this brand|uninstall*|deleting the app"),
  ...t('boycott', 0.6, '抵制|拒买|拒買|不买了|再也不买|卸载|卸載|别买|別買|避雷|拉黑'),
  ...t('boycott', 0.6, 'boicot*|boycotter|boykott*'),
  // recall
  ...t(
    'recall',
    0.7,
    'recall*|recalled|product recall|safety recall|withdrawn from sale|pulled from shelves',
  ),
  ...t('recall', 0.7, '召回|下架|紧急召回|緊急召回|停售|リコール|回収'),
  ...t('recall', 0.6, 'retirada del mercado|rappel produit|rückruf*'),
  // legal
  ...t(
    'legal',
    0.6,
    'lawsuit*|sue|sued|suing|class action|class-action|attorney*|lawyer*|litigation|court case|legal action|settlement',
  ),
  ...t('legal', 0.6, '起诉|起訴|诉讼|訴訟|集体诉讼|集體訴訟|律师函|律師函|打官司|法院|立案|判决|判決|仲裁'),
  ...t('legal', 0.5, 'demanda|abogado|procès|avocat|klage|anwalt|訴え|裁判'),
  // injury / death
  ...t(
    'injury',
    0.8,
    'died|fatal*|hospitali*|emergency room|injur*|burned|severe burns|electrocut*|choked|maimed|explod*|caught fire|burst into flames',
  ),
  ...t(
    'injury',
    0.8,
    '死亡|身亡|去世|致死|送医|送醫|急诊|急診|抢救|搶救|受伤|受傷|烫伤|燙傷|烧伤|燒傷|爆炸|起火|自燃|触电|觸電|致残|窒息',
  ),
  // Weak alone: 'bored to death', 'killed it', a relative in hospital in a book review.
  ...t('injury', 0.4, 'death|deaths|killed|住院'),
  ...t('injury', 0.7, 'muerte|herido|blessé|décès|verletzt|tod|死亡事故|怪我|火災'),
  // food safety
  ...t(
    'food-safety',
    0.8,
    'food poisoning|poisoned|salmonella|e. coli|e.coli|listeria|contaminat*|sick after eating|threw up|vomit*|diarrhea|expired food|mold|mouldy|moldy|cockroach|rat in|foreign object|hair in my food',
  ),
  ...t(
    'food-safety',
    0.8,
    '食物中毒|中毒|食品安全|拉肚子|腹泻|腹瀉|呕吐|嘔吐|过期|過期|变质|變質|发霉|發霉|霉变|蟑螂|有老鼠|老鼠屎|异物|異物|吃出|地沟油|地溝油|添加剂超标|致癌|苍蝇|蒼蠅',
  ),
  ...t('food-safety', 0.7, 'intoxicación|intoxication alimentaire|lebensmittelvergiftung|食中毒|異物混入'),
  // privacy / data breach
  ...t(
    'privacy',
    0.7,
    'data breach|breach*|leaked|data leak|hacked|exposed data|personal data|stolen data|ransomware|spying on|sold my data|privacy violation',
  ),
  ...t(
    'privacy',
    0.7,
    '泄露|洩露|泄漏|数据泄露|信息泄露|隐私|隱私|被盗|盜號|盗号|偷拍|窃听|竊聽|大数据杀熟|大數據殺熟|个人信息|個人資料',
  ),
  ...t('privacy', 0.6, 'filtración de datos|fuite de données|datenleck|情報漏洩|個人情報'),
  // discrimination / harassment
  ...t(
    'discrimination',
    0.7,
    'racis*|discriminat*|sexis*|harass*|homophob*|transphob*|misogyn*|bigot*|hate speech|offensive ad|insult*|humiliat*',
  ),
  ...t(
    'discrimination',
    0.7,
    '歧视|歧視|辱华|辱華|种族歧视|種族歧視|性骚扰|性騷擾|侮辱|羞辱|霸凌|冒犯|辱骂|辱罵|地域黑',
  ),
  ...t(
    'discrimination',
    0.6,
    'racismo|discriminación|racisme|discrimination|rassismus|差別|セクハラ|パワハラ',
  ),
  // fraud / scam
  ...t(
    'fraud',
    0.7,
    'scam*|fraud*|ripped off|rip off|ponzi|fake product|counterfeit|bait and switch|stole my money|unauthorized charge*|phishing|deceptive|misleading',
  ),
  ...t(
    'fraud',
    0.7,
    '骗局|騙局|骗子|騙子|诈骗|詐騙|欺诈|欺詐|虚假宣传|虛假宣傳|假货|假貨|坑人|骗钱|騙錢|割韭菜|霸王条款|霸王條款|山寨',
  ),
  ...t('fraud', 0.6, 'estafa|fraude|arnaque|escroquerie|betrug|abzocke|詐欺|偽物'),
  // regulator
  ...t(
    'regulator',
    0.6,
    'ftc|fda|sec investigation|cpsc|regulator*|investigation|investigated|probe|fined|fine of|antitrust|subpoena|attorney general|consumer protection|ofcom|cnil',
  ),
  ...t(
    'regulator',
    0.7,
    '市场监管|市場監管|市监局|工商局|消协|消協|消费者协会|消費者協會|约谈|約談|立案调查|立案調查|罚款|罰款|处罚|處罰|通报|通報|整改|质监|卫健委|衛健委|网信办|網信辦|监管部门|12315|黑猫投诉|黑貓投訴',
  ),
  ...t('regulator', 0.5, 'multa|amende|bußgeld|行政処分|消費者庁'),
  // strike / protest
  ...t('protest', 0.6, 'on strike|walkout|walk-out|picket*|union busting|unpaid wages|layoffs|laid off'),
  ...t(
    'protest',
    0.6,
    '罢工|罷工|抗议|抗議|维权群|拉横幅|拉橫幅|讨薪|討薪|欠薪|拖欠工资|拖欠工資|裁员|裁員|集体辞职',
  ),
  ...t('protest', 0.5, 'huelga|grève|manifestation|streik|ストライキ|抗議'),
  // Weak alone: 骚扰电话 (nuisance calls), 'strikes a balance', political protests.
  ...t('discrimination', 0.3, '骚扰|騷擾'),
  ...t('protest', 0.4, 'strike|protest*'),
  // consumer rights: complaints that stay complaints when negated
  ...t(
    'consumer-rights',
    0.5,
    '维权|維權|投诉|投訴|退款|退钱|退錢|赔偿|賠償|索赔|索賠|讨说法|討說法|给个说法|給個說法|三包|不给退|不退款',
    false,
  ),
  ...t(
    'consumer-rights',
    0.4,
    'refund*|chargeback|compensation|filed a complaint|complaint*|escalat*|bbb|better business bureau|small claims|ombudsman|reclamación|réclamation|beschwerde',
    false,
  ),
  // media exposure
  ...t(
    'exposure',
    0.6,
    '曝光|揭露|揭秘|实锤|實錘|翻车|翻車|塌房|热搜|熱搜|上热搜|315|3·15|3.15|央视|央視|晚会曝光|媒体曝光|黑幕|内幕',
  ),
  ...t(
    'exposure',
    0.5,
    'exposed|whistleblower|investigative report|undercover|viral|going viral|news report|leaked memo|炎上|告発',
  ),
  // collapse: the company or its money disappearing
  ...t(
    'collapse',
    0.8,
    '爆雷|暴雷|跑路|倒闭|倒閉|破产|破產|卷款|捲款|退不了款|提现不了|提不了现|兑付|兌付|资金链断裂|資金鏈斷裂|停业|停業|闭店|閉店',
  ),
  ...t(
    'collapse',
    0.7,
    "bankrupt*|insolven*|went under|shut down|shutting down|closing all stores|can't withdraw|cannot withdraw|withdrawals frozen|exit scam|quiebra|faillite|insolvenz|倒産",
  ),
];
