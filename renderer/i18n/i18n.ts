/** i18next set up with the two shipped languages; Chinese is the default and the fallback. */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json' with { type: 'json' };
import zhCN from './zh-CN.json' with { type: 'json' };

export const supportedLocales = ['zh-CN', 'en'] as const;
export type UiLocale = (typeof supportedLocales)[number];

export function setUpI18n(initial: UiLocale) {
  void i18next.use(initReactI18next).init({
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
    lng: initial,
    fallbackLng: 'zh-CN',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return i18next;
}

/** Picks the product-name text for the active locale. */
export function localized(text: { 'zh-CN': string; en?: string | undefined }, locale: string): string {
  return locale === 'en' ? (text.en ?? text['zh-CN']) : text['zh-CN'];
}
