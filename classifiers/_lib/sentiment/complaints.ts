/**
 * Everyday complaint patterns, English and Chinese: what customers write when an order, a
 * product, a bill or the support line lets them down, often without any sentiment word ("My
 * order came with the wrong size again. Third time.", "催了三次还没到"). Written per kind of
 * complaint (delivery, repeats, failure, billing, support, quality), not from examples.
 *
 * The complaint score is a noisy-OR of the weights of non-negated hits, 0..1, found in the same
 * lexicon pass as crisis language (`crisis-scan.ts`: `scan.complaint`). It is a model feature,
 * and the sentiment classifier reads a strong score on a text the models call neutral as
 * negative.
 */
const t = (weight: number, terms: string) =>
  terms
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((term) => ({ term, weight }));

export const COMPLAINT_TERMS: readonly { term: string; weight: number }[] = [
  // Delivery and orders.
  ...t(
    0.6,
    `never arrived|hasn't arrived|has not arrived|still hasn't arrived|still not here|not arrived yet|still waiting|
     been waiting|waiting for my|where is my|where's my|arrived late|arrived cold|arrived damaged|arrived broken|
     came damaged|came broken|came with the wrong|wrong item|wrong size|wrong order|wrong colour|wrong color|
     missing item*|items missing|item missing|lost my parcel|lost my package|late delivery|delivery was late|
     didn't deliver|did not deliver|left it outside|cancelled my order|cancelled my flight|cancelled the flight`,
  ),
  // The same thing again.
  ...t(
    0.45,
    'third time|fourth time|second time this|every single time|once again|yet again|same problem|same issue|still broken|still not fixed|still nothing|still no',
  ),
  // Product failure.
  ...t(
    0.6,
    `keeps crashing|keeps freezing|keeps buffering|keeps failing|keeps dropping|keeps logging me out|keeps turning off|
     keeps restarting|keeps disconnecting|keeps breaking|stopped working|doesn't work|does not work|won't work|
     not working|broke after|broken after|fell apart|falling apart|died after|stopped charging|won't charge|
     won't turn on|won't connect|can't connect|logs me out|gets stuck|got stuck|leaked all over|leaks all over|
     ripped|torn|cracked|dented|scratched|faulty|defective|malfunction*`,
  ),
  // Billing and refunds.
  ...t(
    0.6,
    `charged me|overcharged|hidden fee*|price hike|prices went up|smaller for the same price|shrinkflation|
     no refund|refund denied|refused my refund|refused a refund|waiting for my refund|want my money back|
     money back|pay return shipping|charged after i cancelled|auto-renewed|auto renewed`,
  ),
  // Support.
  ...t(
    0.5,
    `on hold for|on hold|hung up|no one answers|nobody answers|no response|no reply|never replied|never responded|
     ignored my|ignoring my|sort it out|sort this out|fix it|fix this|do better|worst customer service|
     customer service is a joke|is a joke|waste of time|waste of money|not worth it|not impressed|won't be back|
     never again|returning it|sending it back|send it back`,
  ),
  // Chinese.
  ...t(
    0.6,
    `还没到|还没收到|迟迟|一直没|催了|少送|漏送|送错|发错|错发|没人管|没人理|不回复|不处理|推脱|踢皮球|一直占线|
     打不通|不给退|不退款|乱收费|多收|扣了我|自动续费|货不对板|与描述不符|又坏了|坏了|用不了|闪退|卡顿|掉线|
     白跑一趟|不会再|再也不|后悔买|不耐烦|爱答不理|态度差|太慢了|等了半天|等了一个|等了两个|迟到|漏水|破了|
     碎了|裂了|掉漆|起球|掉色|缩水|塌了|异响|噪音大|发热严重|一直不更新|没动|各种推脱`,
  ),
];
