"""Pools of realistic values (names, suppliers, products, order and tracking numbers) for demo rows."""
from __future__ import annotations

import random

SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕'
GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英',
         '霞', '平', '刚', '桂英', '晓东', '雪', '思远', '子涵', '一鸣', '佳怡', '浩然', '梓萱']
SUPPLIERS = ['杭州织美服饰厂', '广州百汇鞋业有限公司', '义乌宏达箱包厂', '东莞恒泰制衣厂', '苏州锦绣家纺',
             '温州步步鞋业', '宁波海纳针织', '佛山优品家居', '泉州动感运动用品', '深圳千色饰品']
PRODUCTS = [('纯棉圆领T恤', '女装'), ('高腰直筒牛仔裤', '女装'), ('针织开衫', '女装'), ('真丝衬衫', '女装'),
            ('加厚连帽卫衣', '男装'), ('商务休闲西裤', '男装'), ('轻薄羽绒服', '男装'), ('条纹POLO衫', '男装'),
            ('儿童摇粒绒外套', '童装'), ('小童棉质睡衣', '童装'), ('透气跑步鞋', '鞋靴'), ('牛皮切尔西靴', '鞋靴'),
            ('帆布托特包', '箱包'), ('真皮斜挎包', '箱包'), ('羊毛围巾', '配饰'), ('复古墨镜', '配饰'),
            ('全棉四件套', '家居'), ('记忆棉枕头', '家居')]
COLOURS = ['黑色', '白色', '米白', '藏青', '卡其', '酒红', '灰色', '浅蓝', '军绿', '杏色']
SIZES = ['S', 'M', 'L', 'XL', 'XXL', '均码', '36', '37', '38', '39', '40', '41']
STYLES = ['基础款', '宽松款', '修身款', '加绒款', '经典款', '新款', '联名款']
GIFTS = ['', '', '', '袜子一双', '小样试用装', '防尘袋', '优惠券 20 元', '钥匙扣']
REMARKS = ['', '', '', '', '请发顺丰', '颜色改成黑色', '尺码换成 L', '周末送货', '不要放快递柜', '加急',
           '送礼用,不要放发票', '地址已修改,请核对']
COMPLAINTS = {
    '质量': ['收到的衣服有线头,袖口开线', '鞋底开胶,穿了两次就坏了', '洗后严重缩水掉色'],
    '物流': ['快递一周还没到,物流信息不更新', '包裹外箱破损,商品被压变形', '快递员未送货上门直接签收'],
    '服务': ['客服回复太慢,态度敷衍', '承诺的赠品没有收到', '退款申请三天没人处理'],
    '错发漏发': ['买的黑色 M 码收到白色 L 码', '下单两件只收到一件', '赠品漏发'],
    '仿冒店铺': ['发现有店铺盗用我们的商品图片低价售卖', '有仿冒店铺冒充官方旗舰店'],
    '其他': ['发票信息开错', '价格保护申请差价'],
}
CAUSES = ['仓库分拣时拿错货位', '供应商批次质量问题', '快递中转延误', '客服交接遗漏', '面单备注未核对']
RESOLUTIONS = ['补发正确商品并致歉', '全额退款并赠送优惠券', '联系快递加急派送', '更换新品', '补偿 20 元红包']
RETURN_REMARKS = ['', '', '买家已寄回', '等待买家上传照片', '已与买家电话沟通']


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def order_no(rng: random.Random, platform: str) -> str:
    if platform in ('天猫', '淘宝'):
        return str(rng.randrange(10**17, 10**18)) + str(rng.randrange(10))
    if platform == '京东':
        return str(rng.randrange(10**11, 10**12))
    if platform == '拼多多':
        return f'{rng.randrange(100000, 999999)}-{rng.randrange(10**14, 10**15)}'
    if platform == '抖音':
        return str(rng.randrange(10**18, 10**19))
    if platform == '1688':
        return str(rng.randrange(10**15, 10**16))
    return f'GW{rng.randrange(10**11, 10**12)}'


def tracking_no(rng: random.Random, courier: str) -> str:
    prefix = {'顺丰': 'SF', '京东物流': 'JD', '邮政EMS': 'E', '极兔': 'JT'}.get(courier, '')
    digits = 13 if prefix else 12
    return prefix + str(rng.randrange(10 ** (digits - 1), 10 ** digits))


# the shop's catalogue: receipts, shipments, returns and stock share one pool of 货号 (stock is derived per 货号)
SKUS = [f'{"ABCDEFHJKMN"[i % 11]}{1000 + (i * 7919) % 9000}-{10 + (i * 31) % 89}' for i in range(120)]


def sku(rng: random.Random) -> str:
    return rng.choice(SKUS)
