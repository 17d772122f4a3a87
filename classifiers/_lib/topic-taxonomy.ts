/**
 * The default topic taxonomy: what people say about consumer brands, with keywords in English
 * and Chinese (simplified and the commonest traditional forms) and the main terms in Spanish,
 * French, German, Portuguese and Japanese. A brand's own `topics` replace it for that brand.
 *
 * Keywords follow the lexicon grammar (`_lib/lexicon.ts`): CJK terms match as substrings,
 * others as whole words, a trailing `*` matches any ending. Single Han characters that are
 * parts of unrelated words (贵 in 贵州, 宝贵) appear only inside longer terms (太贵, 很贵).
 */
export interface TopicDef {
  id: string;
  label: { en: string; zh: string };
  keywords: string[];
}

/** Keywords are written `a|b|c` to keep the table compact. */
const words = (list: string): string[] => list.split('|').filter(Boolean);

export const DEFAULT_TOPICS: readonly TopicDef[] = [
  {
    id: 'price',
    label: { en: 'Price', zh: '价格' },
    keywords: words(
      'price|prices|pricing|priced|overpriced|expensive|cheap|cheaper|cheapest|costly|cost|' +
        'costs|discount*|coupon*|promo code|deal|deals|on sale|rip off|ripoff|rip-off|' +
        'value for money|worth the money|not worth|price hike|affordable|价格|价钱|價格|太贵|很贵|好贵|偏贵|贵了|' +
        '不贵|便宜|性价比|優惠|优惠|打折|折扣|降价|涨价|漲價|划算|优惠券|满减|坑钱|智商税|割韭菜|precio|caro|barato|descuento|prix|' +
        'cher|trop cher|preis|teuer|billig|rabatt|preço|barata|値段|価格|値上げ',
    ),
  },
  {
    id: 'quality',
    label: { en: 'Quality', zh: '质量' },
    keywords: words(
      'quality|broke|broken|breaks|defective|defect|defects|faulty|cheaply made|durable|' +
        'durability|flimsy|stopped working|falls apart|fell apart|well made|well-made|sturdy|' +
        'malfunction*|poorly made|knockoff|counterfeit|质量|質量|品质|品質|做工|坏了|壞了|故障|瑕疵|次品|残次|劣质|耐用|用料|' +
        '异响|掉漆|开胶|假货|正品|calidad|roto|defectuoso|qualité|cassé|défectueux|qualität|kaputt|defekt|' +
        'qualidade|quebrado|defeito|壊れ|不良品',
    ),
  },
  {
    id: 'delivery',
    label: { en: 'Delivery', zh: '物流' },
    keywords: words(
      'delivery|deliveries|delivered|shipping|shipment|shipped|courier|tracking number|package|' +
        'parcel|arrived|never arrived|late delivery|lost package|dispatch*|in transit|' +
        'delivery driver|fedex|dhl|usps|物流|快递|快遞|发货|發貨|配送|送货|到货|包裹|派送|运费|签收|催单|不发货|外卖小哥|骑手|送餐|顺丰|' +
        'envío|entrega|paquete|livraison|colis|lieferung|versand|paket|frete|pacote|配達|発送',
    ),
  },
  {
    id: 'service',
    label: { en: 'Customer service', zh: '客服' },
    keywords: words(
      'customer service|customer support|customer care|support team|support|helpdesk|help desk|' +
        'agent|representative|on hold|hotline|live chat|no response|no reply|ticket|staff|rude|' +
        'unhelpful|helpful|ignored|客服|售后|售後|服务态度|服務態度|态度差|人工客服|热线|店员|服务员|工作人员|不理人|没人理|回复|服务|' +
        'atención al cliente|servicio al cliente|soporte|service client|sav|kundenservice|' +
        'kundendienst|atendimento|suporte|サポート|カスタマーサービス|対応',
    ),
  },
  {
    id: 'safety',
    label: { en: 'Safety', zh: '安全' },
    keywords: words(
      'safety|unsafe|dangerous|hazard*|caught fire|fire hazard|overheat*|explod*|burned|burnt|' +
        'burns|injur*|choking|toxic|recall*|electric shock|shocked me|安全|危险|危險|隐患|起火|着火|自燃|爆炸|过热|' +
        '烫伤|受伤|有毒|甲醛|召回|触电|漏电|seguridad|peligroso|sécurité|dangereux|sicherheit|gefährlich|' +
        'segurança|perigoso|危険|発火|リコール',
    ),
  },
  {
    id: 'app-website',
    label: { en: 'App & website', zh: '应用网站' },
    keywords: words(
      'app|apps|website|web site|site|login|log in|sign in|password|crash*|bug|bugs|glitch*|' +
        'update|checkout|loading|server|outage|error message|error|android|ios|two-factor|2fa|应用|' +
        '網站|网站|官网|登录|登陆|登入|闪退|卡顿|崩溃|更新|页面|系统|验证码|小程序|打不开|加载|客户端|bug|aplicación|sitio web|appli|' +
        'site web|webseite|aplicativo|アプリ|サイト|ログイン',
    ),
  },
  {
    id: 'returns',
    label: { en: 'Returns & refunds', zh: '退换货' },
    keywords: words(
      'refund*|return|returned|returns|exchange|money back|chargeback|warranty|guarantee|' +
        'replacement|退款|退货|退貨|换货|退换|退钱|三包|保修|质保|七天无理由|赔偿|reembolso|devolución|garantía|' +
        'remboursement|retour|garantie|rückerstattung|umtausch|devolução|garantia|返金|返品',
    ),
  },
  {
    id: 'product',
    label: { en: 'Product & features', zh: '产品功能' },
    keywords: words(
      'feature|features|battery|battery life|design|size|screen|camera|performance|function*|' +
        'settings|sound quality|comfortable|easy to use|user friendly|功能|续航|電池|电池|设计|外观|尺寸|屏幕|性能|' +
        '拍照|音质|颜值|手感|好用|难用|体验',
    ),
  },
  {
    id: 'taste',
    label: { en: 'Taste & freshness', zh: '口味' },
    keywords: words(
      'taste|tastes|tasted|flavor|flavour|flavors|delicious|bland|stale|fresh|not fresh|portion|' +
        'portions|spicy|too sweet|salty|口味|味道|好吃|难吃|難吃|口感|新鲜|不新鲜|分量|份量|太咸|太甜|变质|sabor|goût|' +
        'geschmack',
    ),
  },
  {
    id: 'availability',
    label: { en: 'Stock & availability', zh: '缺货' },
    keywords: words(
      'out of stock|sold out|restock*|back in stock|unavailable|preorder|pre-order|waitlist|缺货|' +
        '断货|售罄|补货|没货|抢不到|预售|到货通知|限量|agotado|rupture de stock|ausverkauft|esgotado|品切れ|売り切れ',
    ),
  },
  {
    id: 'billing',
    label: { en: 'Billing & subscription', zh: '扣费订阅' },
    keywords: words(
      'charged twice|double charged|billing|billed|subscription|cancel my subscription|' +
        'auto-renew*|auto renew*|invoice|overcharged|payment|unauthorized charge|membership|扣费|扣款|' +
        '自动续费|乱扣费|账单|支付|付款|会员|订阅|发票|续费|factura|suscripción|facture|abonnement|rechnung|fatura|' +
        'assinatura|請求|課金',
    ),
  },
  {
    id: 'privacy',
    label: { en: 'Privacy & data', zh: '隐私数据' },
    keywords: words(
      'privacy|personal data|personal information|data breach|leaked|leak|gdpr|tracking me|' +
        'spying|hacked|隐私|隱私|个人信息|個人資料|信息泄露|泄露|数据|被盗号|盗号|privacidad|confidentialité|datenschutz|' +
        'privacidade|個人情報|情報漏洩',
    ),
  },
  {
    id: 'store',
    label: { en: 'Stores & in person', zh: '门店' },
    keywords: words(
      'store|in store|in-store|shop|branch|cashier|queue|restaurant|outlet|门店|門市|实体店|专卖店|专柜|排队|' +
        '店里|收银|店长|tienda|magasin|boutique|filiale|laden|loja|店舗',
    ),
  },
  {
    id: 'marketing',
    label: { en: 'Ads & campaigns', zh: '营销广告' },
    keywords: words(
      'ad|ads|advert*|commercial|campaign|influencer|sponsored|promotion|giveaway|collab|' +
        'collaboration|brand ambassador|endorse*|slogan|广告|廣告|代言|营销|推广|直播带货|联名|活动|抽奖|文案|' +
        'publicidad|publicité|werbung|publicidade|広告|キャンペーン',
    ),
  },
  {
    id: 'corporate',
    label: { en: 'Company & jobs', zh: '公司动态' },
    keywords: words(
      'hiring|layoff*|laid off|ceo|executive*|employees|workers|stock price|shares|earnings|ipo|' +
        'acquisition|acquire*|merger|quarterly results|lawsuit|strike|裁员|招聘|高管|员工|财报|股价|上市|收购|并购|' +
        '董事长|罢工|despidos|licenciements|entlassungen|demissões|決算|買収',
    ),
  },
  {
    id: 'sustainability',
    label: { en: 'Sustainability', zh: '环保' },
    keywords: words(
      'sustainab*|eco-friendly|eco friendly|recycl*|plastic|packaging|carbon|climate|' +
        'environment*|greenwashing|waste|环保|環保|可持续|包装|塑料|碳排放|碳中和|回收|过度包装|浪费|sostenible|nachhaltig|' +
        'sustentável|環境|リサイクル',
    ),
  },
];
