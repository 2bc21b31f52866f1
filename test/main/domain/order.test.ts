import { describe, expect, it } from 'vitest';
import { demoCatalog, demoPlanogram } from '../../../main/config/demo-data.js';
import { catalogSchema, planogramSchema } from '../../../main/config/config-schema.js';
import { findCatalogProblems, isSlotSellable, slotPriceMinor } from '../../../main/domain/catalog.js';
import { cashChangeMinor, OrderError, priceOrder } from '../../../main/domain/order.js';

const catalog = catalogSchema.parse(demoCatalog);
const planogram = planogramSchema.parse(demoPlanogram);

describe('priceOrder', () => {
  it('prices lines from the catalog, with modifier deltas per unit', () => {
    const priced = priceOrder(catalog, [
      { productId: 'beef-noodles', quantity: 2, modifierOptionIds: ['hot', 'egg'] },
      { productId: 'cola', quantity: 3 },
    ]);
    expect(priced.lines[0]).toMatchObject({ unitPriceMinor: 2800 + 200, lineTotalMinor: 6000 });
    expect(priced.lines[0]?.modifiers.map((modifier) => modifier.optionId)).toEqual(['hot', 'egg']);
    expect(priced.lines[1]).toMatchObject({ unitPriceMinor: 450, lineTotalMinor: 1350 });
    expect(priced.totalMinor).toBe(7350);
  });

  it.each([
    [[], /at least one line/],
    [[{ productId: 'nope', quantity: 1 }], /line 1: unknown product "nope"/],
    [[{ productId: 'cola', quantity: 0 }], /line 1: quantity/],
    [[{ productId: 'cola', quantity: 1000 }], /quantity/],
    [[{ productId: 'cola', quantity: 1.5 }], /quantity/],
    [[{ productId: 'cola', quantity: 1, modifierOptionIds: ['egg'] }], /do not apply/],
    [[{ productId: 'beef-noodles', quantity: 1, modifierOptionIds: ['mild', 'hot'] }], /needs 0–1 choices, got 2/],
    [[{ productId: 'beef-noodles', quantity: 1, modifierOptionIds: ['egg', 'egg'] }], /listed twice/],
  ])('refuses %j', (lines, message) => {
    expect(() => priceOrder(catalog, lines)).toThrow(OrderError);
    expect(() => priceOrder(catalog, lines)).toThrow(message);
  });

  it('computes cash change and refuses short tenders', () => {
    expect(cashChangeMinor(1850, 2000)).toBe(150);
    expect(cashChangeMinor(1850, 1850)).toBe(0);
    expect(() => cashChangeMinor(1850, 1800)).toThrow(/does not cover/);
    expect(() => cashChangeMinor(1850, 19.5)).toThrow(/whole number/);
  });
});

describe('catalog and planogram', () => {
  it('finds no problems in the demo data', () => {
    expect(findCatalogProblems(catalog, planogram)).toEqual([]);
  });

  it('uses a slot price override and knows sold-out slots', () => {
    const slot5 = planogram.slots.find((slot) => slot.slot === 5);
    const slot4 = planogram.slots.find((slot) => slot.slot === 4);
    expect(slot5 && slotPriceMinor(catalog, slot5)).toBe(400);
    expect(slot4 && isSlotSellable(slot4)).toBe(false);
  });

  it('names every integrity problem with its path', () => {
    const broken = {
      ...catalog,
      products: [...catalog.products, { ...catalog.products[0]!, id: 'cola' }, { ...catalog.products[0]!, id: 'x', categoryId: 'ghost', modifierGroupIds: ['ghost-group'] }],
    };
    const brokenPlanogram = { ...planogram, slots: [...planogram.slots, { slot: 1, productId: 'missing', capacity: 2, stock: 5, inSale: true }] };
    const problems = findCatalogProblems(broken, brokenPlanogram).map((problem) => `${problem.path}: ${problem.message}`);
    expect(problems).toEqual([
      'catalog.products[8].id: duplicate product id "cola"',
      expect.stringMatching(/^catalog\.products\[9\]\.categoryId: expected one of the category ids .* got "ghost"$/),
      'catalog.products[9].modifierGroupIds[0]: unknown modifier group "ghost-group"',
      'planogram.slots[6].slot: duplicate slot number 1',
      'planogram.slots[6].productId: unknown product "missing"',
      'planogram.slots[6].stock: stock (5) exceeds the slot capacity (2)',
    ]);
  });
});
