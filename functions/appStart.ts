import { app } from '@azure/functions';
import { ConfigError, getConfig } from '../lib/config';

/**
 * Validates every setting when the app starts, so a typo shows up in the startup log naming the setting,
 * not later as a failed run.
 */
app.hook.appStart(() => {
  try {
    getConfig();
  } catch (error) {
    if (error instanceof ConfigError) console.error(`mfa-phone-sync cannot start: ${error.message}`);
    throw error;
  }
});
