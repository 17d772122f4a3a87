/**
 * Factual Chinese sentences written for Earshot (no source data set; free to ship). None of the
 * Chinese training sets has a neutral class, so the trainer uses these only to measure how many
 * plainly factual posts the binary model plus its neutral gate call `neutral` (reported next to
 * the CV figures). They are never trained on. Keep them apart from the sentences in tests/.
 */
export const ZH_NEUTRAL_PROBES = [
  '今天是星期一。',
  '我明天去北京开会',
  '这款手机有黑色和白色两种颜色',
  '公司发布了第三季度财报',
  '下午三点在二楼会议室开会',
  '请问这个几点发货？',
  '新店位于人民路和解放路交叉口',
  '本次活动从十月一日持续到十月七日',
  '会员可以在应用里查看积分',
  '这本书一共有十二章',
  '他们下周将公布新的价格',
  '快递预计周三送达',
  '该型号支持双卡双待',
  '我在地铁上看到了他们的广告',
  '官方微博刚刚更新了公告',
  '这次发布会在上海举行',
  '包装盒里有一根数据线和一本说明书',
  '明天上午九点开始预售',
  '门店营业时间是早上十点到晚上十点',
  '他昨天买了一台笔记本电脑',
  '产品重量为一百五十克',
  '客服电话在官网首页',
  '今年的展会有三百多家企业参加',
  '请问有没有蓝色的？',
  '我们公司用的是这个系统',
  '第二批货下个月到',
  '这家店在商场的三楼',
  '新版本增加了夜间模式',
  '订单号已经发给你了',
  '记者从公司获悉，该项目将于年底完工',
];
