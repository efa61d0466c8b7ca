/**
 * Built-in Entra directory roles the emulator knows by name, with their role template ids (the `wids`
 * claim of delegated tokens), and the rules of reference/graph.md §3.3.
 */
export const DIRECTORY_ROLE_TEMPLATE_IDS: Readonly<Record<string, string>> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Privileged Authentication Administrator': '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  'Authentication Administrator': 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'Helpdesk Administrator': '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Groups Administrator': 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
  'Password Administrator': '966707d0-3269-4727-9be2-8c3a10f19b9d',
  'Security Administrator': '194ae4cb-b126-40b2-bd5b-6091b380977d',
  'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
  'Directory Readers': '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  'Guest Inviter': '95e79109-95c0-4d8e-aee3-d01accf2d47b',
  'Message Center Reader': '790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b',
  'Reports Reader': '4a5d8f65-41da-4de4-8968-e035b65339cf',
  'User Experience Success Manager': '27460883-1df1-4691-b032-3b79643e5e63',
  'Usage Summary Reports Reader': '75934031-6c7e-415a-99d7-48dbd49e875e',
};

export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
} as const;

/**
 * Roles whose holders an Authentication Administrator may still manage (reference/graph.md §3.3, from the
 * "who can reset passwords" table). Any other role makes the target privileged.
 */
const MANAGEABLE_BY_AUTHENTICATION_ADMINISTRATOR = new Set(
  [
    'Authentication Administrator',
    'Directory Readers',
    'Guest Inviter',
    'Message Center Reader',
    'Password Administrator',
    'Reports Reader',
    'User Experience Success Manager',
    'Usage Summary Reports Reader',
  ].map((name) => DIRECTORY_ROLE_TEMPLATE_IDS[name] as string),
);

/**
 * A role name unknown to the table stands for a custom role: it gets a stable made-up template id and is
 * treated as privileged ("all other built-in and custom roles", §3.3).
 */
export function roleTemplateId(roleName: string): string {
  const known = DIRECTORY_ROLE_TEMPLATE_IDS[roleName];
  if (known) return known;
  let h = 0;
  for (const ch of roleName) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-00000000c057`;
}

export function isManageableByAuthenticationAdministrator(targetRoleTemplateIds: readonly string[]): boolean {
  return targetRoleTemplateIds.every((id) => MANAGEABLE_BY_AUTHENTICATION_ADMINISTRATOR.has(id));
}
