// A typed client's view of the API, written against the types openapi-typescript generates from
// /api/openapi.json (./api.d.ts, made by tests/ops/test_openapi_typescript.py). tsc --strict must
// accept it: the document stays usable by the clients it is for.
import type { components, paths } from "./api";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: { 200: infer R } }
  ? Json<R>
  : never;

type ClubPage = Ok<"/api/clubs", "get">;
type Login = NonNullable<paths["/api/auth/login"]["post"]["requestBody"]>["content"]["application/json"];
type Ready = components["schemas"]["Ready"];

export const login: Login = { login: "minsu", password: "a long passphrase" };

export function clubNames(page: ClubPage): string[] {
  return page.items.map((club) => `${club.name} (${club.member_count})`);
}

export function nextCursor(page: ClubPage): string | undefined {
  return page.next_cursor ?? undefined;
}

export function why(ready: Ready): string {
  return ready.status === "ok" ? "ready" : ready.reasons.join(", ");
}

export async function fetchClubs(base: string): Promise<ClubPage> {
  const response = await fetch(`${base}/api/clubs?limit=20`);
  return (await response.json()) as ClubPage;
}
