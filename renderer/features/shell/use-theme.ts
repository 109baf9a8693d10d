// Applies the theme setting to <html data-theme>: "system" follows the OS (through the CSS
// media query), "light" and "dark" override it.

import { useEffect } from 'react';
import { useSettings } from '../../stores/settings.ts';

export function useTheme(): void {
  const theme = useSettings((s) => s.settings?.theme ?? 'system');
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme]);
}
