// @ts-check
// The tenant switcher in the header: the deployment's tenants (public fields only: id, name, path,
// from GET {base}tenants, docs/tenants.md), the one the page is served under selected; choosing
// another navigates to its dashboard. The header names the tenant shown.
import { tenants } from './api.js';
import { tenantId } from './base.js';
import { $, $select } from './dom.js';

/** @import { View } from './view.js' */
/** @type {View} */
export const tenantView = {
  bind() {
    void tenants().then((directory) => {
      if (!directory) return;
      const current = tenantId ?? directory.default;
      const shown = directory.tenants.find((t) => t.id === current);
      if (shown) {
        $('app-title').textContent = `Sozialplanung ${shown.name}`;
        document.title = `Sozialplanung ${shown.name} – Dashboard`;
      }
      const select = $select('tenant-switch');
      select.replaceChildren(
        ...directory.tenants.map((t) => {
          const option = document.createElement('option');
          option.value = t.path;
          option.textContent = t.name;
          option.dataset.tenant = t.id;
          option.selected = t.id === current;
          return option;
        }),
      );
      $('tenant-switcher').hidden = directory.tenants.length < 2;
      select.addEventListener('change', () => location.assign(select.value));
    });
  },
};
