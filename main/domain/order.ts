/**
 * Orders built from catalog lines. Pure: prices come only from the catalog, never from the
 * caller, so a UI or API client cannot set its own price.
 */
import { CatalogError, findProduct, type Catalog, type LocalizedText } from './catalog.js';
import { MoneyError, multiplyMinor, sumMinor } from '../../kernel/money.js';

export const maxQuantityPerLine = 999;
export const maxLinesPerOrder = 200;

export interface OrderLineRequest {
  readonly productId: string;
  readonly quantity: number;
  readonly modifierOptionIds?: readonly string[] | undefined;
  readonly note?: string | undefined;
}

export interface OrderLineModifier {
  readonly groupId: string;
  readonly optionId: string;
  readonly name: LocalizedText;
  readonly priceDeltaMinor: number;
}

export interface OrderLine {
  readonly productId: string;
  readonly name: LocalizedText;
  readonly quantity: number;
  readonly modifiers: readonly OrderLineModifier[];
  readonly note?: string | undefined;
  /** Product price plus modifier deltas, per unit. */
  readonly unitPriceMinor: number;
  readonly lineTotalMinor: number;
}

export interface PricedOrder {
  readonly lines: readonly OrderLine[];
  readonly totalMinor: number;
  readonly currency: 'CNY';
}

export class OrderError extends Error {
  override readonly name = 'OrderError';
}

/** Prices each requested line against the catalog; throws `OrderError` naming the bad line. */
export function priceOrder(catalog: Catalog, requests: readonly OrderLineRequest[]): PricedOrder {
  if (requests.length === 0) throw new OrderError('an order needs at least one line');
  if (requests.length > maxLinesPerOrder) {
    throw new OrderError(`an order has at most ${maxLinesPerOrder} lines, got ${requests.length}`);
  }
  const lines = requests.map((request, index) => {
    try {
      return priceLine(catalog, request);
    } catch (error) {
      if (error instanceof CatalogError || error instanceof MoneyError || error instanceof OrderError) {
        throw new OrderError(`line ${index + 1}: ${error.message}`);
      }
      throw error;
    }
  });
  return { lines, totalMinor: sumMinor(lines.map((line) => line.lineTotalMinor)), currency: catalog.currency };
}

function priceLine(catalog: Catalog, request: OrderLineRequest): OrderLine {
  const product = findProduct(catalog, request.productId);
  if (!Number.isSafeInteger(request.quantity) || request.quantity < 1 || request.quantity > maxQuantityPerLine) {
    throw new OrderError(`quantity must be a whole number from 1 to ${maxQuantityPerLine}, got ${String(request.quantity)}`);
  }
  const chosen = new Set(request.modifierOptionIds ?? []);
  if (chosen.size !== (request.modifierOptionIds ?? []).length) {
    throw new OrderError('a modifier option is listed twice');
  }
  const modifiers: OrderLineModifier[] = [];
  for (const groupId of product.modifierGroupIds) {
    const group = catalog.modifierGroups.find((candidate) => candidate.id === groupId);
    if (!group) throw new OrderError(`product "${product.id}" names unknown modifier group "${groupId}"`);
    const picked = group.options.filter((option) => chosen.has(option.id));
    if (picked.length < group.minSelected || picked.length > group.maxSelected) {
      throw new OrderError(
        `"${group.name['zh-CN']}" needs ${group.minSelected}–${group.maxSelected} choices, got ${picked.length}`,
      );
    }
    for (const option of picked) {
      chosen.delete(option.id);
      modifiers.push({ groupId, optionId: option.id, name: option.name, priceDeltaMinor: option.priceDeltaMinor });
    }
  }
  if (chosen.size > 0) {
    throw new OrderError(`modifier options ${[...chosen].map((id) => `"${id}"`).join(', ')} do not apply to "${product.id}"`);
  }
  const unitPriceMinor = sumMinor([product.priceMinor, ...modifiers.map((modifier) => modifier.priceDeltaMinor)]);
  return {
    productId: product.id,
    name: product.name,
    quantity: request.quantity,
    modifiers,
    note: request.note,
    unitPriceMinor,
    lineTotalMinor: multiplyMinor(unitPriceMinor, request.quantity),
  };
}

/** Change to hand back for a cash tender; throws when the tender does not cover the total. */
export function cashChangeMinor(totalMinor: number, tenderedMinor: number): number {
  if (!Number.isSafeInteger(tenderedMinor) || tenderedMinor < 0) {
    throw new OrderError(`tendered amount must be a whole number of minor units, got ${String(tenderedMinor)}`);
  }
  if (tenderedMinor < totalMinor) {
    throw new OrderError(`tendered ${tenderedMinor} does not cover the total ${totalMinor}`);
  }
  return tenderedMinor - totalMinor;
}
