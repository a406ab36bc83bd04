/** What a signed-in person may do: admins manage the organisation, CSMs onboard accounts. */
export const USER_ROLES = ['admin', 'csm'] as const;
export type UserRole = (typeof USER_ROLES)[number];
