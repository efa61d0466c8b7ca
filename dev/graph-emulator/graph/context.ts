import { type Clock } from '../core/clock';
import { type UndocumentedChoices } from '../options';
import { type GroupStore } from '../store/groups';
import { type SubscriptionStore } from '../store/subscriptionStore';
import { type TenantStore } from '../store/tenantStore';
import { type PhoneMethodAuthorizer } from './authorization';

/** What every Graph handler may use. Mutable fields are swapped when the tenant is reseeded. */
export interface GraphContext {
  store: TenantStore;
  subscriptions: SubscriptionStore;
  groups: GroupStore;
  phoneAuth: PhoneMethodAuthorizer;
  choices: UndocumentedChoices;
  clock: Clock;
  /** Base URL the current request came in on, e.g. `https://127.0.0.1:PORT/v1.0` (links, `@odata.context`). */
  graphBaseUrl: string;
  pageSize: number;
  /** Shared across per-request copies of the context (so a flag set here is seen by everyone). */
  flags: {
    /** Set by the control API: the next delta continuation answers 410 (forced resync). */
    deltaResyncPending: boolean;
  };
}
