/** Print job states, the only place their spelling lives: `pending` until proof of print, then `printed`. */
import { z } from 'zod';

export const printJobStates = ['pending', 'printed'] as const;
export type PrintJobState = (typeof printJobStates)[number];
export const printJobStateSchema = z.enum(printJobStates);
