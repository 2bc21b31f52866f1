/** The three ways a terminal runs, and who may do what in them. */

export const terminalModes = ['counter', 'kiosk', 'technician'] as const;
export type TerminalMode = (typeof terminalModes)[number];

export const roles = ['cashier', 'supervisor', 'technician'] as const;
export type Role = (typeof roles)[number];

export const permissions = [
  'sale.create',
  'sale.refund',
  'sale.void',
  'day.close',
  'device.configure',
  'device.test',
  'logs.export',
  'sync.manage',
  'stock.refill',
] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  cashier: ['sale.create'],
  supervisor: ['sale.create', 'sale.refund', 'sale.void', 'day.close'],
  technician: ['device.configure', 'device.test', 'logs.export', 'day.close', 'sync.manage', 'stock.refill'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}
