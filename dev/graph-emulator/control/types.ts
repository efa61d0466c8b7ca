import { type MintTokenRequest } from '../entra/tokens';
import { type DeliveryRecord } from '../events/publisher';
import { type RequestLogEntry } from '../log/requestLog';
import {
  type EventSinkOptions,
  type FaultProfile,
  type LatencyProfile,
  type ScriptedFault,
  type ThrottlingOptions,
  type UndocumentedChoices,
} from '../options';
import { type SeedExpectation, type SeedUser, type TenantSeed, type UserPatch } from '../seed/schema';
import { type GenerateTenantOptions } from '../seed/generate';
import { type Subscription } from '../store/subscriptionStore';
import { type PhoneType, type SmsSignInState } from '../store/users';

/** The control API's view of a user: everything, unmasked (tests compare exact values). */
export interface ControlUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  softDeleted: boolean;
  /** Graph properties that are set (besides id, UPN, displayName). */
  properties: Record<string, unknown>;
  onPremisesExtensionAttributes: Record<string, string | null>;
  extensions: Record<string, string | number | boolean>;
  phoneMethods: { id: string; phoneType: PhoneType; phoneNumber: string; smsSignInState: SmsSignInState }[];
  smsSignInEnabled: boolean;
  defaultMfaMethod: string | null;
  otherAuthenticationMethods: string[];
  directoryRoles: string[];
  roleAssignableGroupMember: boolean;
  restrictedManagementAdministrativeUnit: boolean;
  hasPassword: boolean;
  mfaRequired: boolean;
  notes: string | null;
  expect: SeedExpectation | null;
  /** Phone-method writes made through Graph (oldest first, the last 50), with the numbers as written. */
  phoneMethodWrites: {
    at: string;
    operation: 'create' | 'update' | 'delete';
    phoneType: PhoneType;
    phoneNumber?: string;
  }[];
}

export interface TenantSummary {
  tenantId: string;
  displayName: string;
  domains: string[];
  userCount: number;
  applications: { key: string; kind: string; clientId: string; displayName: string; appRoles: string[] }[];
  origin: string;
}

export interface EmulatorStats {
  users: number;
  requestsLogged: number;
  lastRequestSeq: number;
  subscriptions: number;
  deliveries: number;
  deltaJournalEntries: number;
  pendingScriptedFaults: number;
  memory: { rssMb: number; heapUsedMb: number };
}

export interface UserListPage {
  value: ControlUser[];
  total: number;
  nextSkip: number | null;
}

export type ReseedRequest = TenantSeed | { path: string } | { generate: GenerateTenantOptions };

export interface SetPhoneMethodRequest {
  phoneNumber: string | null;
  smsSignInState?: SmsSignInState;
}

export type ControlSubscription = Subscription;

export type {
  DeliveryRecord,
  EventSinkOptions,
  FaultProfile,
  LatencyProfile,
  MintTokenRequest,
  RequestLogEntry,
  ScriptedFault,
  SeedUser,
  ThrottlingOptions,
  UndocumentedChoices,
  UserPatch,
};
