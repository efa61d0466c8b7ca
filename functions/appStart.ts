import { app } from '@azure/functions';
import { ConfigError, getConfig } from '../lib/config';
import { hostSettingProblems } from '../lib/hostSettings';

/**
 * Validates every setting when the app starts, so a typo shows up in the startup log naming the setting,
 * not later as a failed run.
 */
app.hook.appStart(() => {
  try {
    getConfig();
    const hostProblems = hostSettingProblems(process.env);
    if (hostProblems.length > 0) throw new ConfigError(hostProblems);
  } catch (error) {
    if (error instanceof ConfigError) console.error(`mfa-phone-sync cannot start: ${error.message}`);
    throw error;
  }
});
