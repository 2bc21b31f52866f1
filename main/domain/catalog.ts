/**
 * The catalog a terminal sells from: categories, products with modifiers, and for a vending
 * kiosk the planogram (which product sits in which slot, with capacity and stock).
 * These are plain data types; validation of untrusted catalogs lives in the config schema.
 */

export interface Category {
  readonly id: string;
  readonly name: LocalizedText;
}

/** Display text per locale; `zh-CN` is required because receipts default to Chinese. */
export interface LocalizedText {
  readonly 'zh-CN': string;
  readonly en?: string | undefined;
}

export interface ModifierOption {
  readonly id: string;
  readonly name: LocalizedText;
  /** Added to the unit price, in minor units; may be 0. */
  readonly priceDeltaMinor: number;
}

export interface ModifierGroup {
  readonly id: string;
  readonly name: LocalizedText;
  readonly minSelected: number;
  readonly maxSelected: number;
  readonly options: readonly ModifierOption[];
}

export interface Product {
  readonly id: string;
  readonly categoryId: string;
  readonly name: LocalizedText;
  readonly priceMinor: number;
  readonly modifierGroupIds: readonly string[];
  /** Printed on the kitchen ticket when set; counter items only. */
  readonly kitchenStation?: string | undefined;
  readonly barcode?: string | undefined;
}

export interface Catalog {
  readonly version: number;
  readonly currency: 'CNY';
  readonly categories: readonly Category[];
  readonly modifierGroups: readonly ModifierGroup[];
  readonly products: readonly Product[];
}

export interface VendingSlot {
  /** Slot number as the dispense board numbers it. */
  readonly slot: number;
  readonly productId: string;
  readonly capacity: number;
  readonly stock: number;
  /** Overrides the product price for this slot when set. */
  readonly priceMinor?: number | undefined;
  readonly inSale: boolean;
}

export interface Planogram {
  readonly version: number;
  readonly slots: readonly VendingSlot[];
}

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

export function findProduct(catalog: Catalog, productId: string): Product {
  const product = catalog.products.find((candidate) => candidate.id === productId);
  if (!product) throw new CatalogError(`unknown product "${productId}"`);
  return product;
}

export function slotPriceMinor(catalog: Catalog, slot: VendingSlot): number {
  return slot.priceMinor ?? findProduct(catalog, slot.productId).priceMinor;
}

/** A slot can be sold when it is in sale and has stock. */
export function isSlotSellable(slot: VendingSlot): boolean {
  return slot.inSale && slot.stock > 0;
}

/**
 * Integrity rules a catalog and planogram must satisfy together. Returns one message per
 * problem, each naming the offending path, so a config loader can report them all at once.
 */
export function findCatalogProblems(catalog: Catalog, planogram: Planogram): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const categoryIds = new Set<string>();
  catalog.categories.forEach((category, index) => {
    if (categoryIds.has(category.id)) {
      problems.push({ path: `catalog.categories[${index}].id`, message: `duplicate category id "${category.id}"` });
    }
    categoryIds.add(category.id);
  });
  const groups = new Map<string, ModifierGroup>();
  catalog.modifierGroups.forEach((group, index) => {
    if (groups.has(group.id)) {
      problems.push({ path: `catalog.modifierGroups[${index}].id`, message: `duplicate modifier group id "${group.id}"` });
    }
    if (group.minSelected > group.maxSelected) {
      problems.push({
        path: `catalog.modifierGroups[${index}].minSelected`,
        message: `minSelected (${group.minSelected}) is greater than maxSelected (${group.maxSelected})`,
      });
    }
    if (group.maxSelected > group.options.length) {
      problems.push({
        path: `catalog.modifierGroups[${index}].maxSelected`,
        message: `maxSelected (${group.maxSelected}) exceeds the ${group.options.length} options of the group`,
      });
    }
    groups.set(group.id, group);
  });
  const productIds = new Set<string>();
  catalog.products.forEach((product, index) => {
    if (productIds.has(product.id)) {
      problems.push({ path: `catalog.products[${index}].id`, message: `duplicate product id "${product.id}"` });
    }
    productIds.add(product.id);
    if (!categoryIds.has(product.categoryId)) {
      problems.push({
        path: `catalog.products[${index}].categoryId`,
        message: `expected one of the category ids (${[...categoryIds].join(', ')}), got "${product.categoryId}"`,
      });
    }
    product.modifierGroupIds.forEach((groupId, groupIndex) => {
      if (!groups.has(groupId)) {
        problems.push({
          path: `catalog.products[${index}].modifierGroupIds[${groupIndex}]`,
          message: `unknown modifier group "${groupId}"`,
        });
      }
    });
  });
  const slotNumbers = new Set<number>();
  planogram.slots.forEach((slot, index) => {
    if (slotNumbers.has(slot.slot)) {
      problems.push({ path: `planogram.slots[${index}].slot`, message: `duplicate slot number ${slot.slot}` });
    }
    slotNumbers.add(slot.slot);
    if (!productIds.has(slot.productId)) {
      problems.push({ path: `planogram.slots[${index}].productId`, message: `unknown product "${slot.productId}"` });
    }
    if (slot.stock > slot.capacity) {
      problems.push({
        path: `planogram.slots[${index}].stock`,
        message: `stock (${slot.stock}) exceeds the slot capacity (${slot.capacity})`,
      });
    }
  });
  return problems;
}
