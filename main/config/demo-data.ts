/**
 * The embedded demo menu, planogram and users that let a fresh install run with no config file.
 * Demo PINs: cashier 1111, supervisor 2222, technician 3333. Only their scrypt hashes are stored.
 * The demo users apply only with `backend.url: sandbox`; with a real backend, a config without
 * `users` is refused (load-config.ts).
 */
import type { z } from 'zod';
import type { catalogSchema, planogramSchema, userSchema } from './config-schema.js';

export const demoCatalog: z.input<typeof catalogSchema> = {
  version: 1,
  currency: 'CNY',
  categories: [
    { id: 'noodles', name: { 'zh-CN': '面食', en: 'Noodles' } },
    { id: 'rice', name: { 'zh-CN': '米饭', en: 'Rice' } },
    { id: 'drinks', name: { 'zh-CN': '饮品', en: 'Drinks' } },
  ],
  modifierGroups: [
    {
      id: 'spice',
      name: { 'zh-CN': '辣度', en: 'Spice' },
      minSelected: 0,
      maxSelected: 1,
      options: [
        { id: 'mild', name: { 'zh-CN': '微辣', en: 'Mild' }, priceDeltaMinor: 0 },
        { id: 'hot', name: { 'zh-CN': '特辣', en: 'Hot' }, priceDeltaMinor: 0 },
      ],
    },
    {
      id: 'extras',
      name: { 'zh-CN': '加料', en: 'Extras' },
      minSelected: 0,
      maxSelected: 2,
      options: [
        { id: 'egg', name: { 'zh-CN': '加蛋', en: 'Add egg' }, priceDeltaMinor: 200 },
        { id: 'beef', name: { 'zh-CN': '加牛肉', en: 'Extra beef' }, priceDeltaMinor: 800 },
      ],
    },
  ],
  products: [
    { id: 'beef-noodles', categoryId: 'noodles', name: { 'zh-CN': '红烧牛肉面', en: 'Braised beef noodles' }, priceMinor: 2800, modifierGroupIds: ['spice', 'extras'], kitchenStation: 'hot' },
    { id: 'dan-dan', categoryId: 'noodles', name: { 'zh-CN': '担担面', en: 'Dan dan noodles' }, priceMinor: 1850, modifierGroupIds: ['spice', 'extras'], kitchenStation: 'hot' },
    { id: 'fried-rice', categoryId: 'rice', name: { 'zh-CN': '扬州炒饭', en: 'Yangzhou fried rice' }, priceMinor: 2200, modifierGroupIds: ['extras'], kitchenStation: 'wok' },
    { id: 'kung-pao', categoryId: 'rice', name: { 'zh-CN': '宫保鸡丁饭', en: 'Kung pao chicken rice' }, priceMinor: 2600, modifierGroupIds: ['spice'], kitchenStation: 'wok' },
    { id: 'soy-milk', categoryId: 'drinks', name: { 'zh-CN': '豆浆', en: 'Soy milk' }, priceMinor: 500, barcode: '6901234567892' },
    { id: 'cola', categoryId: 'drinks', name: { 'zh-CN': '可乐', en: 'Cola' }, priceMinor: 450, barcode: '6900000000014' },
    { id: 'green-tea', categoryId: 'drinks', name: { 'zh-CN': '绿茶', en: 'Green tea' }, priceMinor: 400, barcode: '6900000000021' },
    { id: 'water', categoryId: 'drinks', name: { 'zh-CN': '矿泉水', en: 'Mineral water' }, priceMinor: 200, barcode: '6900000000038' },
  ],
};

export const demoPlanogram: z.input<typeof planogramSchema> = {
  version: 1,
  slots: [
    { slot: 1, productId: 'cola', capacity: 10, stock: 8 },
    { slot: 2, productId: 'green-tea', capacity: 10, stock: 10 },
    { slot: 3, productId: 'water', capacity: 12, stock: 12 },
    { slot: 4, productId: 'soy-milk', capacity: 8, stock: 0 },
    { slot: 5, productId: 'cola', capacity: 10, stock: 3, priceMinor: 400 },
    { slot: 6, productId: 'water', capacity: 12, stock: 5 },
  ],
};

export const demoUsers: z.input<typeof userSchema>[] = [
  { id: 'cashier', name: 'Cashier 收银员', role: 'cashier', pinHash: 'scrypt$16384$8$1$UkXyzH/CWob+CgS/v0LWyg==$CDk45s2fFSxAO5xAj3x/x7DuHHXEQx09HSazHM+5TDI=' },
  { id: 'supervisor', name: 'Supervisor 主管', role: 'supervisor', pinHash: 'scrypt$16384$8$1$aYO8GbBsNByaMKmwm2Q86A==$C/lElse4jCE0P51F/a2fk50aOj0nVoUG2gVFtCWR5k0=' },
  { id: 'technician', name: 'Technician 技术员', role: 'technician', pinHash: 'scrypt$16384$8$1$srnQgDthn/k+zhVecnmiyg==$uR86IxokSnvmNKiPkkzSYLBL/EguKHYOwLKekcmoSq8=' },
];
