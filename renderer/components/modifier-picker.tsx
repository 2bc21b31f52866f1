import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogView } from '../../main/contract/contract.js';
import { formatMoney } from '../../kernel/money.js';
import { localized } from '../i18n/i18n.js';

type Product = CatalogView['products'][number];

/** Lets the cashier choose a product's modifiers within each group's min/max before adding it. */
export function ModifierPicker({ product, catalog, onAdd, onCancel }: { product: Product; catalog: CatalogView; onAdd: (optionIds: string[]) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const [chosen, setChosen] = useState<string[]>([]);
  const groups = product.modifierGroupIds.map((id) => catalog.modifierGroups.find((group) => group.id === id)).filter((group) => group !== undefined);

  const toggle = (groupId: string, optionId: string) => {
    const group = groups.find((candidate) => candidate.id === groupId);
    if (!group) return;
    setChosen((current) => {
      if (current.includes(optionId)) return current.filter((id) => id !== optionId);
      const inGroup = current.filter((id) => group.options.some((option) => option.id === id));
      // A single-choice group swaps its choice; a full multi-choice group ignores the tap.
      if (group.maxSelected === 1) return [...current.filter((id) => !inGroup.includes(id)), optionId];
      return inGroup.length >= group.maxSelected ? current : [...current, optionId];
    });
  };
  const unmet = groups.filter((group) => chosen.filter((id) => group.options.some((option) => option.id === id)).length < group.minSelected);

  return (
    <div className="modifier-picker" role="dialog" aria-label={localized(product.name, i18n.language)} data-testid="modifier-picker">
      <h3>{localized(product.name, i18n.language)}</h3>
      {groups.map((group) => (
        <fieldset key={group.id}>
          <legend>
            {localized(group.name, i18n.language)} <span className="muted">{t('counter.chooseUpTo', { min: group.minSelected, max: group.maxSelected })}</span>
          </legend>
          {group.options.map((option) => (
            <button type="button" key={option.id} data-testid={`modifier-${option.id}`} aria-pressed={chosen.includes(option.id)} className={chosen.includes(option.id) ? 'chip chip--on' : 'chip'} onClick={() => toggle(group.id, option.id)}>
              {localized(option.name, i18n.language)}
              {option.priceDeltaMinor > 0 ? ` +${formatMoney(option.priceDeltaMinor)}` : ''}
            </button>
          ))}
        </fieldset>
      ))}
      <div className="modifier-picker__actions">
        <button type="button" onClick={onCancel}>{t('counter.cancel')}</button>
        <button type="button" className="primary" data-testid="modifier-add" disabled={unmet.length > 0} onClick={() => onAdd(chosen)}>{t('counter.add')}</button>
      </div>
    </div>
  );
}
