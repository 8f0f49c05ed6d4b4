// The test identities of the e2e OpenID Connect provider (oidc-provider.mjs) and the
// client it knows. Shared by the provider and the harness; importing this starts nothing.

export const CLIENT_ID = 'mandates-web';
export const CLIENT_SECRET = 'mandates-web-secret';
export const PASSWORD = 'test-password';
export const ACR = 'http://eidas.europa.eu/LoA/substantial';

/** Login name → claims. `sub` is the login name. */
export const ACCOUNTS = {
  'citizen-a': {
    national_number: '85073003328',
    given_name: 'Anna',
    family_name: 'Citizen',
    role: 'a citizen',
  },
  'citizen-b': {
    national_number: '90010112395',
    given_name: 'Bart',
    family_name: 'Citizen',
    role: 'another citizen',
  },
  'company-rep': {
    national_number: '62092301281',
    given_name: 'Carla',
    family_name: 'Representative',
    role: 'legal representative of enterprise 0203.201.340',
  },
  newcomer: {
    national_number: '92041512329',
    given_name: 'Nora',
    family_name: 'Newcomer',
    role: 'a citizen the demo data does not know: no mandate, no name',
  },
};
