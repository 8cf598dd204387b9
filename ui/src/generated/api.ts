// Generated from src/generated/openapi.json (the server's OpenAPI document) by `npm run gen:api`
// (openapi-typescript). Do not edit.
export interface paths {
    "/api/v1/admin/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/admin/audit`: sign-ins (and failed ones, with the name tried), sign-outs,
         *     password changes and resets, admin actions and exports, with who, when and from where.
         */
        get: operations["audit_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/categories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/admin/categories`: the whole tree, in the format `PUT` takes. */
        get: operations["get_categories"];
        /**
         * `PUT /api/v1/admin/categories`: replaces the whole tree, after checking it (core's rules,
         *     departments that exist, and every category an open case carries still a leaf).
         */
        put: operations["put_categories"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/grids": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/admin/grids?polygons=1` */
        get: operations["admin_list_grids"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/grids/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/v1/admin/grids/import`: a GeoJSON FeatureCollection of grids, imported whole or
         *     not at all.
         */
        post: operations["import_grids"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/units": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/admin/units` */
        get: operations["list_units"];
        put?: never;
        /**
         * `POST /api/v1/admin/units`: creates a unit or renames one. Moving a unit (a new parent or
         *     level) is refused: its cases' stored org paths would no longer say where they belong.
         */
        post: operations["upsert_unit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/admin/users` */
        get: operations["list_users"];
        put?: never;
        /**
         * `POST /api/v1/admin/users`: creates a user with an argon2id password. A grid worker becomes
         *     the worker of the grids named (and they leave any previous worker's list).
         */
        post: operations["create_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/admin/users/{id}/devices`: where the user is (or was) signed in. */
        get: operations["list_devices"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/devices/{device_id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/v1/admin/users/{id}/devices/{device_id}/revoke`: signs one device out (a lost
         *     phone). What it recorded and synced stays; what it still holds unsynced waits until the
         *     worker signs in on it again.
         */
        post: operations["revoke_device"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/v1/admin/users/{id}/disable`: the user can no longer sign in, and every token
         *     they hold stops working.
         */
        post: operations["disable_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/v1/admin/users/{id}/enable`: a disabled user may sign in again (their old
         *     sign-ins stay ended).
         */
        post: operations["enable_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/v1/admin/users/{id}/password`: sets a user's password (a forgotten one, or one
         *     that leaked). The user's console sessions end; their devices stay signed in unless
         *     `revoke_devices` says otherwise, so a worker in the field keeps syncing.
         */
        post: operations["reset_password"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/v1/auth/login` */
        post: operations["login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/v1/auth/logout`: revokes the caller's token. */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/auth/me` */
        get: operations["me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/v1/auth/password`: the caller changes their own password. The current one is
         *     checked under the sign-in throttle (a stolen session must not become a guessing oracle);
         *     the caller's other console sessions end, their devices stay signed in.
         */
        post: operations["change_password"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cases": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/cases`: the cases the caller may see, filtered, sorted and paged. */
        get: operations["list_cases"];
        put?: never;
        /**
         * `POST /api/v1/cases`: an operator lodges a case from the hotline 8890, a service hall or
         *     WeChat. The server names the case (UUIDv7) and reports it through the workflow.
         */
        post: operations["intake"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cases/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/cases/{id}`: a case with its finding, photos, timeline, chain status and the
         *     actions the caller may take now.
         */
        get: operations["case_detail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/cases/{id}/actions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * `POST /api/v1/cases/{id}/actions`: takes an action on a case through the workflow, decided on
         *     the version the caller saw.
         */
        post: operations["case_action"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/coverage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/coverage`: patrol coverage (巡查率) of the caller's grids on a local day, per
         *     grid and totalled by county, township and community.
         */
        get: operations["coverage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/exports/cases.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/exports/cases.csv`: the filtered case list as a spreadsheet. */
        get: operations["cases_csv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/exports/cases.geojson": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/exports/cases.geojson`: the filtered cases as a GeoJSON FeatureCollection of
         *     points (RFC 7946); a case reported without a location has a `null` geometry.
         */
        get: operations["cases_geojson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/grids": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/grids`: the grids in the caller's jurisdiction with their worker and the day's
         *     patrols (for every signed-in role; `/api/v1/admin/grids` is the admin's edit view).
         */
        get: operations["list_grids"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/org": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/org`: units, departments and categories, and the grids in the caller's
         *     jurisdiction.
         */
        get: operations["org"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/patrols": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/patrols`: the patrols started on a day in one grid or in all the caller's
         *     grids, in start order, with worker, window and findings count.
         */
        get: operations["list_patrols"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/patrols/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/patrols/{id}`: one patrol with its track points and findings. */
        get: operations["patrol_detail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/patrols/{id}/track": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/patrols/{id}/track`: a page of a patrol's track, in time order. */
        get: operations["patrol_track"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/photos": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/v1/photos`: creates an upload. */
        post: operations["create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/photos/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** `DELETE /api/v1/photos/{id}`: terminates the upload. A stored photo stays stored. */
        delete: operations["terminate"];
        options?: never;
        /** `HEAD /api/v1/photos/{id}`: where the upload stands. */
        head: operations["status"];
        /** `PATCH /api/v1/photos/{id}`: appends a chunk. */
        patch: operations["patch"];
        trace?: never;
    };
    "/api/v1/photos/by-hash/{sha256}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/photos/by-hash/{sha256}` */
        get: operations["photo"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * `HEAD /api/v1/photos/by-hash/{sha256}`: 200 if stored and the caller may see it
         *     ([`may_see`]), 404 otherwise — a stranger does not learn that a hash is stored.
         */
        head: operations["photo_exists"];
        patch?: never;
        trace?: never;
    };
    "/api/v1/photos/by-hash/{sha256}/thumb": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/photos/by-hash/{sha256}/thumb` */
        get: operations["thumbnail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/stats`: the docs/DESIGN.md §4 measures over the cases the caller may see, broken
         *     down by a dimension, with the daily intake/closure trend.
         */
        get: operations["stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sync/pull": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /api/v1/sync/pull?cursor=C&limit=N` */
        get: operations["pull"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sync/push": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** `POST /api/v1/sync/push` */
        post: operations["push"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sync/rejected": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * `GET /api/v1/sync/rejected`: the caller's own rejected ops and, for a unit's members
         *     (community, township, centre, leader, admin), those of every user of their subtree.
         */
        get: operations["rejected"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /healthz`: the process is up and the ledger answers. */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description What someone asked to do to a case, with the input they gave (docs/DESIGN.md §4). */
        Action: (components["schemas"]["NewCase"] & {
            /** @enum {string} */
            action: "report";
        }) | {
            /** @enum {string} */
            action: "claim";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "escalate";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "dispatch";
            /**
             * Format: date-time
             * @description A deadline shorter than the category's, for a case that cannot wait (absent: the
             *     category's).
             */
            deadline?: string | null;
            department?: null | components["schemas"]["DepartmentId"];
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "return";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "accept";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "report_handled";
            note?: string | null;
            photos?: components["schemas"]["PhotoHash"][];
        } | {
            /** @enum {string} */
            action: "resolve";
            note?: string | null;
            photos?: components["schemas"]["PhotoHash"][];
        } | {
            /** @enum {string} */
            action: "assign_verify";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "verify_pass";
            note?: string | null;
            photos?: components["schemas"]["PhotoHash"][];
        } | {
            /** @enum {string} */
            action: "verify_fail";
            note?: string | null;
            photos?: components["schemas"]["PhotoHash"][];
        } | {
            /** @enum {string} */
            action: "close";
            note?: string | null;
            outcome?: null | components["schemas"]["Outcome"];
        } | {
            /** @enum {string} */
            action: "reject_invalid";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "merge_duplicate";
            duplicate_of: components["schemas"]["CaseId"];
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "unmerge";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "reopen";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "supervise";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "comment";
            note?: string | null;
            photos?: components["schemas"]["PhotoHash"][];
        } | {
            /** @enum {string} */
            action: "request_extension";
            note?: string | null;
            /** Format: date-time */
            until: string;
        } | {
            /** @enum {string} */
            action: "extend_deadline";
            note?: string | null;
            /** Format: date-time */
            until?: string | null;
        } | {
            /** @enum {string} */
            action: "refuse_extension";
            note?: string | null;
        } | {
            /** @enum {string} */
            action: "rate";
            note?: string | null;
            rating: components["schemas"]["Rating"];
            /** @description Whose verdict it is; absent means the resident's (see [`RatingSource`]). */
            source?: components["schemas"]["RatingSource"];
        };
        /**
         * @description The name of an action, without its input.
         * @enum {string}
         */
        ActionKind: "report" | "claim" | "escalate" | "dispatch" | "return" | "accept" | "report_handled" | "resolve" | "assign_verify" | "verify_pass" | "verify_fail" | "close" | "reject_invalid" | "merge_duplicate" | "unmerge" | "reopen" | "supervise" | "comment" | "request_extension" | "extend_deadline" | "refuse_extension" | "rate";
        /** @description The user on whose behalf something is decided. */
        Actor: {
            affiliation: components["schemas"]["Affiliation"];
            /** @description The grids a grid worker owns (one, in the reference county). Empty for other roles. */
            grid_ids?: components["schemas"]["GridId"][];
            role: components["schemas"]["Role"];
            user_id: components["schemas"]["UserId"];
        };
        /** @description Who took an action, as the timeline shows them. */
        ActorView: {
            department?: null | components["schemas"]["Named"];
            display_name?: string | null;
            role: components["schemas"]["Role"];
            unit?: null | components["schemas"]["Named"];
            user_id: components["schemas"]["UserId"];
        };
        /** @description A user as the admin pages show them (never the password hash). */
        AdminUserView: components["schemas"]["UserInfo"] & {
            demo_password: boolean;
            disabled: boolean;
        };
        /** @description Where a user belongs. */
        Affiliation: {
            id: components["schemas"]["OrgUnitId"];
            /** @enum {string} */
            kind: "unit";
        } | {
            id: components["schemas"]["DepartmentId"];
            /** @enum {string} */
            kind: "department";
        };
        /** @description Who did it: the signed-in user, as they were at the time. */
        AuditActor: {
            role: components["schemas"]["Role"];
            user_id: components["schemas"]["UserId"];
            username: string;
        };
        /** @description One audit record, as `GET /api/v1/admin/audit` lists it. */
        AuditEntry: {
            /**
             * @description A stable snake_case word: `sign_in`, `sign_in_failed`, `sign_out`, `password_change`,
             *     `password_reset`, `user_create`, `user_disable`, `user_enable`, `device_revoke`,
             *     `unit_save`, `grids_import`, `categories_replace`, `export_cases_csv`,
             *     `export_cases_geojson`.
             */
            action: string;
            actor?: null | components["schemas"]["AuditActor"];
            /** @description The client's address, as the sign-in throttle resolves it (`--trusted-proxy`), or `cli`. */
            address: string;
            /** Format: date-time */
            at: string;
            /** @description A JSON object with the particulars (an export's filter, a failure's reason, …). */
            detail: Record<string, never>;
            /**
             * Format: int64
             * @description Increases with every record: the paging cursor (`before`).
             */
            id: number;
            /** @description What it was done to: a user id, a unit id, a user name tried, … */
            target?: string | null;
        };
        /** @description A page of the audit log. */
        AuditPage: {
            /** @description Newest first. */
            entries: components["schemas"]["AuditEntry"][];
            /**
             * Format: int64
             * @description Pass as `before` for the next (older) page; `null` on the last page.
             */
            next_before?: number | null;
        };
        /** @description The current record of a case: a projection of its events. */
        Case: {
            address?: string | null;
            category: components["schemas"]["CategoryCode"];
            channel: components["schemas"]["Channel"];
            /** Format: date-time */
            closed_at?: string | null;
            contact?: string | null;
            /** Format: date-time */
            deadline?: string | null;
            department?: null | components["schemas"]["DepartmentId"];
            /** @description Every department the case was ever dispatched to: they keep seeing it. */
            departments?: components["schemas"]["DepartmentId"][];
            description: string;
            duplicate_of?: null | components["schemas"]["CaseId"];
            /**
             * Format: date-time
             * @description A deadline the department asked for, awaiting the dispatcher.
             */
            extension_requested?: string | null;
            /** Format: int32 */
            extensions: number;
            finding_id?: null | components["schemas"]["FindingId"];
            grid_id?: null | components["schemas"]["GridId"];
            /**
             * Format: date-time
             * @description When the case was last reported handled (处理反馈, or resolved at its level): the moment
             *     its deadline is judged at. Cleared when it goes back to work (返工, 退回, reopened).
             */
            handled_at?: string | null;
            /** @description Hash of the last event: the chain's head. */
            head_hash: string;
            holder_unit: components["schemas"]["OrgUnitId"];
            id: components["schemas"]["CaseId"];
            location?: null | components["schemas"]["GeoPoint"];
            operator_rating?: null | components["schemas"]["Rating"];
            /** @description Where the case was first lodged (the grid's community, or the intake unit). */
            origin_unit: components["schemas"]["OrgUnitId"];
            outcome?: null | components["schemas"]["Outcome"];
            photos?: components["schemas"]["PhotoHash"][];
            rating?: null | components["schemas"]["Rating"];
            /** Format: date-time */
            reported_at: string;
            reported_by: components["schemas"]["UserId"];
            /** Format: int32 */
            reworks: number;
            state: components["schemas"]["CaseState"];
            /** Format: int32 */
            supervisions: number;
            /** Format: date-time */
            updated_at: string;
            urgent: boolean;
            /**
             * Format: int64
             * @description Number of events; an action names the version it was decided on.
             */
            version: number;
        };
        /**
         * @description `data` of `case.action`: the action (its name in `action`, its fields beside it) and the case
         *     version it was decided on.
         */
        CaseActionData: components["schemas"]["Action"] & {
            /** Format: int64 */
            base_version: number;
        };
        /** @description A case after an action, with the event that changed it. */
        CaseChange: {
            case: components["schemas"]["Case"];
            event: components["schemas"]["CaseEvent"];
        };
        /** @description Answer to `GET /api/v1/cases/{id}`. */
        CaseDetail: {
            /** @description What the caller may do now: the buttons the console draws. */
            available_actions: components["schemas"]["ActionKind"][];
            case: components["schemas"]["Case"];
            chain: components["schemas"]["ChainStatus"];
            /** Format: date-time */
            deadline?: string | null;
            deadline_status: components["schemas"]["DeadlineStatus"];
            dispatch_preview?: null | components["schemas"]["DispatchPreview"];
            /**
             * @description The cases merged into this one as its duplicates (合并重复件) that the caller may see,
             *     oldest merge first: the other half of the link a merged case's `duplicate_of` makes.
             */
            duplicates: components["schemas"]["DuplicateView"][];
            events: components["schemas"]["EventView"][];
            /** @description The finding the case came from, as the device sent it, once it has arrived. */
            finding?: unknown;
            labels: components["schemas"]["CaseLabels"];
            overdue: boolean;
            photos: components["schemas"]["PhotoView"][];
            /**
             * @description The ratings the caller may still give (群众评价 `resident`, 办理人员评价 `operator`):
             *     the Rate dialog's choices. Empty when the caller may not rate.
             */
            rating_sources: components["schemas"]["RatingSource"][];
            /**
             * Format: int64
             * @description Working minutes left until the deadline on the working calendar; negative once past it.
             */
            remaining_working_minutes?: number | null;
            /**
             * Format: date-time
             * @description Until when the merge of this case can be undone (撤销合并), while it can.
             */
            unmerge_until?: string | null;
        };
        /** @description One appended, hash-chained entry of a case's history. */
        CaseEvent: components["schemas"]["Action"] & {
            actor: components["schemas"]["Actor"];
            /** Format: date-time */
            at: string;
            case_id: components["schemas"]["CaseId"];
            effect: components["schemas"]["Effect"];
            /** @description `sha256(prev_hash ‖ canonical event)`, hex. */
            hash: string;
            /** @description The previous event's hash ([`crate::ledger::GENESIS_HASH`] for the first). */
            prev_hash: string;
            /**
             * Format: int64
             * @description 1 for the report; the case's version after this event.
             */
            seq: number;
        };
        /**
         * @description A case in the ledger: a canonical UUID ([`is_canonical_uuid`]), made on the device for a
         *     grid report and by the server for an intake.
         */
        CaseId: string;
        /** @description Display names for a case's codes, resolved against the current reference data. */
        CaseLabels: {
            category_class?: null | components["schemas"]["Named"];
            category_name?: string | null;
            community?: null | components["schemas"]["Named"];
            department_name?: string | null;
            grid_name?: string | null;
            holder_unit_name?: string | null;
            township?: null | components["schemas"]["Named"];
        };
        /** @description Answer to `GET /api/v1/cases`. */
        CaseList: {
            /**
             * @description Cases matching every filter but `state`, per state (all seven states, zeros included),
             *     for the tabs above the list.
             */
            counts_by_state: {
                [key: string]: number;
            };
            items: components["schemas"]["CaseSummary"][];
            /** Format: int64 */
            page: number;
            /** Format: int64 */
            page_size: number;
            /**
             * Format: int64
             * @description Cases matching the filter, over all pages.
             */
            total: number;
        };
        /**
         * @description Where a case is in its life (docs/DESIGN.md §4).
         * @enum {string}
         */
        CaseState: "pending" | "claimed" | "dispatched" | "in_progress" | "handled" | "verifying" | "closed";
        /** @description One row of the case list. */
        CaseSummary: components["schemas"]["CaseLabels"] & {
            address?: string | null;
            category: components["schemas"]["CategoryCode"];
            channel: components["schemas"]["Channel"];
            /** Format: date-time */
            closed_at?: string | null;
            /** Format: date-time */
            deadline?: string | null;
            /**
             * @description Where the case stands against its deadline (`Case::deadline_status`): a case handled
             *     after its deadline reads `handled_late`, not overdue.
             */
            deadline_status: components["schemas"]["DeadlineStatus"];
            department?: null | components["schemas"]["DepartmentId"];
            description: string;
            duplicate_of?: null | components["schemas"]["CaseId"];
            /**
             * Format: date-time
             * @description A later deadline a department asked for, awaiting a decision (延期申请).
             */
            extension_requested?: string | null;
            /** Format: int32 */
            extensions: number;
            grid_id?: null | components["schemas"]["GridId"];
            holder_unit: components["schemas"]["OrgUnitId"];
            id: components["schemas"]["CaseId"];
            location?: null | components["schemas"]["GeoPoint"];
            operator_rating?: null | components["schemas"]["Rating"];
            origin_unit: components["schemas"]["OrgUnitId"];
            outcome?: null | components["schemas"]["Outcome"];
            overdue: boolean;
            rating?: null | components["schemas"]["Rating"];
            /** Format: date-time */
            reported_at: string;
            /** Format: int32 */
            reworks: number;
            state: components["schemas"]["CaseState"];
            /** Format: int32 */
            supervisions: number;
            /** Format: date-time */
            updated_at: string;
            urgent: boolean;
            /** Format: int64 */
            version: number;
        };
        /** @description One node of the tree. Top classes have no parent, no deadline and no department. */
        Category: {
            code: components["schemas"]["CategoryCode"];
            deadline?: null | components["schemas"]["DeadlineRule"];
            department?: null | components["schemas"]["DepartmentId"];
            name: string;
            name_en: string;
            parent?: null | components["schemas"]["CategoryCode"];
        };
        /** @description A leaf or top class of the category tree, by its code (e.g. `01.03`). */
        CategoryCode: string;
        /** @description The hash chain of a case, checked on every read. */
        ChainStatus: {
            /** @enum {string} */
            status: "verified";
        } | {
            error: string;
            /** @enum {string} */
            status: "broken";
        };
        /**
         * @description One changed record in a pull. `id` is the record's own id (a case id, a grid code, a photo's
         *     SHA-256…); case events, which have none, use `"{case_id}:{seq}"`, and rejected ops their op id.
         */
        Change: {
            /** @description The full current record (absent when deleted). */
            data?: unknown;
            deleted?: boolean;
            entity: components["schemas"]["Entity"];
            id: string;
            /** Format: int64 */
            seq: number;
        };
        /** @description Body of `POST /api/v1/auth/password`. */
        ChangePassword: {
            current_password: string;
            new_password: string;
        };
        /**
         * @description How the case reached the system.
         * @enum {string}
         */
        Channel: "grid" | "hotline8890" | "service_hall" | "wechat" | "open311";
        /**
         * @description What a sign-in is for (see [`LoginRequest::client`]).
         * @enum {string}
         */
        ClientKind: "console" | "device";
        /** @description Answer to `GET /api/v1/coverage`. */
        CoverageResponse: {
            /** @description Totalled by community (empty when asked with `rows=false`). */
            by_community: components["schemas"]["CoverageTotals"][];
            /** @description Totalled by county: one row in a county's own ledger, a row per county in a province's. */
            by_county: components["schemas"]["CoverageTotals"][];
            by_township: components["schemas"]["CoverageTotals"][];
            /** Format: int64 */
            covered: number;
            /** Format: date */
            date: string;
            /** Format: int64 */
            grids: number;
            /** Format: int64 */
            none: number;
            /** Format: int64 */
            partial: number;
            /** Format: double */
            rate?: number | null;
            /** @description Each grid (empty when asked with `rows=false`). */
            rows: components["schemas"]["CoverageRow"][];
        };
        /** @description One grid's patrols on the day. */
        CoverageRow: {
            community_id: string;
            community_name?: string | null;
            grid_id: components["schemas"]["GridId"];
            grid_name: string;
            kind: components["schemas"]["GridKind"];
            township_id?: string | null;
            township_name?: string | null;
            /**
             * Format: int32
             * @description Patrol windows (morning, afternoon) with a patrol: 0, 1 or 2; 2 is covered.
             */
            windows: number;
            worker_id?: null | components["schemas"]["UserId"];
            worker_name?: string | null;
        };
        /** @description Coverage of a set of grids. */
        CoverageTotals: {
            /** Format: int64 */
            covered: number;
            /** Format: int64 */
            grids: number;
            id: string;
            name?: string | null;
            /** Format: int64 */
            none: number;
            /** Format: int64 */
            partial: number;
            /**
             * Format: double
             * @description 巡查率 = covered ÷ grids.
             */
            rate?: number | null;
        };
        /** @description Body of `POST /api/v1/admin/users`. */
        CreateUser: {
            department_id?: null | components["schemas"]["DepartmentId"];
            display_name?: string | null;
            grid_ids?: components["schemas"]["GridId"][];
            org_unit_id?: null | components["schemas"]["OrgUnitId"];
            password: string;
            role: components["schemas"]["Role"];
            username: string;
        };
        /** @description Intake and closures on one local day. */
        DayRow: {
            /** Format: int64 */
            closed: number;
            /** Format: date */
            date: string;
            /** Format: int64 */
            intake: number;
        };
        /** @description How long a dispatched case of a category may take, counted on the working calendar. */
        DeadlineRule: {
            /** Format: int32 */
            normal: number;
            unit: components["schemas"]["DeadlineUnit"];
            /** Format: int32 */
            urgent: number;
        };
        /**
         * @description Where a case stands against its deadline (处置时限). One rule for the console's lists and
         *     figures and for the phone (issue 10).
         * @enum {string}
         */
        DeadlineStatus: "no_deadline" | "running" | "overdue" | "handled_on_time" | "handled_late";
        /**
         * @description Unit of a deadline rule.
         * @enum {string}
         */
        DeadlineUnit: "working_hours" | "working_days";
        /** @description A department that receives dispatched cases. */
        Department: {
            id: components["schemas"]["DepartmentId"];
            name: string;
        };
        /** @description A department that receives dispatched cases (供电, 住建, …), by its code. */
        DepartmentId: string;
        /** @description One installation of the app. */
        DeviceId: string;
        /** @description Answer to revoking a device. */
        DeviceRevoked: {
            device_id: components["schemas"]["DeviceId"];
            /**
             * Format: int64
             * @description Sign-ins ended (0 when the device was already signed out).
             */
            revoked_tokens: number;
        };
        /**
         * @description What to break the figures down by.
         * @enum {string}
         */
        Dimension: "county" | "township" | "community" | "grid" | "department" | "category" | "category_class";
        /** @description Answer to `POST /api/v1/admin/users/{id}/disable`. */
        Disabled: {
            /**
             * Format: int64
             * @description Live tokens revoked: the user's devices are signed out now.
             */
            revoked_tokens: number;
            user: components["schemas"]["AdminUserView"];
        };
        /** @description What dispatching the case now would do, for the dispatch form. */
        DispatchPreview: {
            /**
             * Format: date-time
             * @description The deadline the case would get (the same for every department: it comes from the
             *     category, the urgency and the working calendar).
             */
            deadline: string;
            default_department?: null | components["schemas"]["DepartmentId"];
            default_department_name?: string | null;
            urgent: boolean;
        };
        /**
         * @description What the worker did about what they saw.
         * @enum {string}
         */
        Disposition: "resolved_on_spot" | "report" | "note";
        /** @description A case merged into another, as the other's page lists it. */
        DuplicateView: {
            description: string;
            id: components["schemas"]["CaseId"];
            /**
             * Format: date-time
             * @description When it was merged.
             */
            merged_at?: string | null;
            /** Format: date-time */
            reported_at: string;
        };
        /** @description Where an event left the case. */
        Effect: {
            /** Format: date-time */
            deadline?: string | null;
            department?: null | components["schemas"]["DepartmentId"];
            /** @description The unit responsible for the case: where it waits, or the unit that dispatched it. */
            holder_unit: components["schemas"]["OrgUnitId"];
            outcome?: null | components["schemas"]["Outcome"];
            state: components["schemas"]["CaseState"];
        };
        /**
         * @description The kinds of record a pull returns.
         * @enum {string}
         */
        Entity: "org_unit" | "grid" | "department" | "category" | "patrol" | "finding" | "photo" | "case" | "case_event" | "rejected_op";
        /** @description The error envelope of every non-2xx answer. */
        ErrorBody: {
            error: components["schemas"]["ErrorDetail"];
        };
        /**
         * @description A stable error code (yiwang_core::error::ErrorCode); a newer server may add codes
         * @enum {string}
         */
        ErrorCode: "invalid_input" | "invalid_op" | "invalid_body" | "invalid_json" | "invalid_content_type" | "invalid_query" | "too_large" | "too_many_ops" | "too_many_photos" | "export_too_large" | "invalid_categories" | "category_in_use" | "invalid_grids" | "unauthenticated" | "bad_credentials" | "too_many_attempts" | "forbidden" | "weak_password" | "username_taken" | "cannot_disable_self" | "wrong_password" | "out_of_jurisdiction" | "unknown_case" | "case_exists" | "stale_state" | "invalid_transition" | "forbidden_role" | "not_holder" | "no_parent_unit" | "already_rated" | "no_extension_requested" | "rating_not_allowed" | "undo_window_passed" | "unknown_patrol" | "not_owner" | "id_conflict" | "patrol_ended" | "cursor_invalid" | "invalid_metadata" | "invalid_checksum" | "invalid_hash" | "invalid_upload_offset" | "invalid_upload_length" | "upload_length_required" | "defer_length_unsupported" | "concatenation_unsupported" | "checksum_algorithm_unsupported" | "tus_version_unsupported" | "checksum_mismatch" | "offset_mismatch" | "upload_busy" | "upload_expired" | "upload_lost" | "device_mismatch" | "hash_mismatch" | "body_incomplete" | "not_an_image" | "corrupt_image" | "image_too_large" | "too_many_uploads" | "insufficient_storage" | "photo_has_metadata" | "unknown_photo" | "not_found" | "unavailable" | "internal" | "not_logged_in" | "wrong_credentials" | "offline" | "server_unavailable" | "throttled" | "not_our_server" | "invalid_server_url" | "insecure_server_url" | "refused" | "unsynced_work" | "patrol_open" | "no_grid" | "photo_too_large" | "photo_unreadable" | "photo_file" | "newer_schema" | "storage_error" | "bad_record";
        ErrorDetail: {
            code: components["schemas"]["ErrorCode"];
            field?: null | components["schemas"]["InputField"];
            limit?: string | null;
            message: string;
            rule?: null | components["schemas"]["InputRule"];
        };
        /** @description One entry of a case's timeline. */
        EventView: {
            action: components["schemas"]["ActionKind"];
            actor: components["schemas"]["ActorView"];
            /** Format: date-time */
            at: string;
            /** @description Where it left the case. */
            effect: components["schemas"]["Effect"];
            hash: string;
            /** @description The action as it was asked for, with all its fields. */
            input: unknown;
            note?: string | null;
            photos: components["schemas"]["PhotoHash"][];
            /** Format: int64 */
            seq: number;
        };
        /**
         * @description A finding: what was seen, where, when, with photos. Made only by [`Finding::record`], which
         *     holds it to the finding rules; read back from storage or a pull as it was made.
         */
        Finding: {
            /** Format: double */
            accuracy_m?: number | null;
            case_id?: null | components["schemas"]["CaseId"];
            category_code: components["schemas"]["CategoryCode"];
            description: string;
            disposition: components["schemas"]["Disposition"];
            grid_id: components["schemas"]["GridId"];
            id: components["schemas"]["FindingId"];
            /** Format: double */
            lat?: number | null;
            /** Format: double */
            lon?: number | null;
            mock_location?: boolean;
            /** Format: date-time */
            observed_at: string;
            patrol_id?: null | components["schemas"]["PatrolId"];
            photos?: components["schemas"]["PhotoHash"][];
            urgent?: boolean;
            worker_id: components["schemas"]["UserId"];
        };
        /** @description A finding recorded on a patrol. */
        FindingId: string;
        /** @description A WGS-84 position with its reported accuracy. */
        GeoPoint: {
            /** Format: double */
            accuracy_m?: number | null;
            /** Format: double */
            lat: number;
            /** Format: double */
            lon: number;
        };
        /** @description A grid, by its code. */
        GridId: string;
        /**
         * @description The three kinds of grid the reference county draws.
         * @enum {string}
         */
        GridKind: "urban_rural" | "school" | "enterprise";
        /** @description Answer to `GET /api/v1/grids`. */
        GridList: {
            /** Format: date */
            date: string;
            items: components["schemas"]["GridRow"][];
            /**
             * Format: int64
             * @description The `offset` of the next page, when there is one.
             */
            next_offset?: number | null;
            /**
             * Format: int64
             * @description Grids that match, on every page.
             */
            total: number;
        };
        /** @description A grid in the console's grid list. */
        GridRow: {
            community?: null | components["schemas"]["Named"];
            id: components["schemas"]["GridId"];
            kind: components["schemas"]["GridKind"];
            name: string;
            /**
             * Format: int64
             * @description Patrols started on the day.
             */
            patrols: number;
            polygon?: unknown;
            township?: null | components["schemas"]["Named"];
            /**
             * Format: int32
             * @description Patrol windows (morning, afternoon) with a patrol that day that counts for coverage (it
             *     has a track and is not dated after it was received): 0, 1 or 2; 2 is covered.
             */
            windows: number;
            worker_id?: null | components["schemas"]["UserId"];
            worker_name?: string | null;
        };
        /** @description A grid, with its polygon only when asked for. */
        GridView: {
            community_id: components["schemas"]["OrgUnitId"];
            id: components["schemas"]["GridId"];
            kind: components["schemas"]["GridKind"];
            name: string;
            polygon?: unknown;
            worker_id?: null | components["schemas"]["UserId"];
        };
        /** @description Answer to `GET /healthz`. */
        Health: {
            /** @description The ledger's backend (`sqlite`, `postgres`). */
            backend: string;
            /**
             * Format: int64
             * @description The newest change-log sequence number.
             */
            seq: number;
            /** @description `ok`. */
            status: string;
        };
        /** @description What an import did. */
        ImportSummary: {
            created: number;
            grids: components["schemas"]["GridId"][];
            updated: number;
        };
        /**
         * @description The field of a case action (or of a new case) that a refusal is about.
         * @enum {string}
         */
        InputField: "note" | "description" | "address" | "contact" | "location" | "category" | "grid_id" | "unit" | "channel" | "department" | "deadline" | "until" | "duplicate_of" | "outcome" | "photos";
        /**
         * @description The rule an input breaks. Where a limit helps (a length, the current deadline) the refusal
         *     carries it beside the rule.
         * @enum {string}
         */
        InputRule: "required" | "too_long" | "too_many" | "unknown" | "not_leaf" | "category_gone" | "not_coordinate" | "grid_channel_only" | "note_or_photo" | "no_grid_worker" | "use_reject_or_merge" | "not_after_deadline" | "not_in_future" | "later_than_category_deadline" | "same_case" | "merged_elsewhere";
        /** @description Body of `POST /api/v1/cases`. */
        IntakeRequest: {
            address?: string | null;
            category: components["schemas"]["CategoryCode"];
            /** @description hotline8890, service_hall or wechat. */
            channel: components["schemas"]["Channel"];
            /** @description The citizen's name and phone. */
            contact?: string | null;
            description: string;
            grid_id?: null | components["schemas"]["GridId"];
            /** Format: double */
            lat?: number | null;
            /** Format: double */
            lon?: number | null;
            photos?: components["schemas"]["PhotoHash"][];
            unit_id?: null | components["schemas"]["OrgUnitId"];
            urgent?: boolean;
        };
        /** @description `POST /api/v1/auth/login` */
        LoginRequest: {
            /**
             * @description What signs in: the web console (a session that ends after 12 idle hours, 7 days at the
             *     most) or a device (a sign-in that lasts while it is used, 90 idle days). An older app
             *     sends nothing: a device.
             */
            client?: components["schemas"]["ClientKind"];
            device_id: string;
            device_name: string;
            password: string;
            username: string;
        };
        /** @description Answer to `POST /api/v1/auth/login`. */
        LoginResponse: {
            token: string;
            user: components["schemas"]["UserInfo"];
        };
        /** @description The figures for one set of cases and one period. */
        Measures: {
            /** Format: int64 */
            closed: number;
            /** Format: int64 */
            closed_on_time: number;
            /** Format: double */
            closure_rate?: number | null;
            /** Format: int64 */
            dispatched: number;
            /** Format: int64 */
            due: number;
            /** Format: int64 */
            extended: number;
            /** Format: double */
            extension_rate?: number | null;
            /** Format: int64 */
            intake: number;
            /** Format: double */
            mean_hours_to_close?: number | null;
            /** Format: double */
            on_time_rate?: number | null;
            /** Format: int64 */
            overdue_now: number;
            /** Format: int64 */
            rated: number;
            /** Format: int64 */
            reported: number;
            /** Format: double */
            rework_rate?: number | null;
            /** Format: int64 */
            reworked: number;
            /** Format: double */
            satisfaction_rate?: number | null;
            /** Format: int64 */
            satisfied: number;
            /** Format: int64 */
            verified: number;
        };
        /** @description Something with an id and a display name. */
        Named: {
            id: string;
            name: string;
        };
        /** @description What is known of a case when it is reported. */
        NewCase: {
            address?: string | null;
            category: components["schemas"]["CategoryCode"];
            channel: components["schemas"]["Channel"];
            /** @description The citizen's name and phone for hotline and hall cases. */
            contact?: string | null;
            description: string;
            finding_id?: null | components["schemas"]["FindingId"];
            grid_id?: null | components["schemas"]["GridId"];
            location?: null | components["schemas"]["GeoPoint"];
            photos?: components["schemas"]["PhotoHash"][];
            unit?: null | components["schemas"]["OrgUnitId"];
            urgent?: boolean;
        };
        /** @description One operation of a device's outbox. */
        Op: {
            /** Format: date-time */
            at: string;
            data: unknown;
            entity_id: string;
            op_id: components["schemas"]["OpId"];
            type: components["schemas"]["OpType"];
        };
        /** @description One operation in a device's outbox (UUIDv7, made on the device). */
        OpId: string;
        /** @description One entry of a [`PushResponse`]. */
        OpResult: {
            code?: null | components["schemas"]["ErrorCode"];
            message?: string | null;
            op_id: components["schemas"]["OpId"];
            /** Format: int64 */
            seq?: number | null;
            status: components["schemas"]["OpStatus"];
        };
        /**
         * @description What became of one pushed op.
         * @enum {string}
         */
        OpStatus: "applied" | "duplicate" | "rejected";
        /**
         * @description The kinds of op a device sends.
         * @enum {string}
         */
        OpType: "patrol.start" | "patrol.track" | "patrol.end" | "finding.create" | "case.action";
        /**
         * @description The level of an org unit in the three-level command platform.
         * @enum {string}
         */
        OrgLevel: "city" | "county" | "township" | "community";
        /** @description Answer to `GET /api/v1/org`. */
        OrgResponse: {
            /** @description Flat, in tree order: each class followed by its leaves (`parent` names the class). */
            categories: components["schemas"]["Category"][];
            departments: components["schemas"]["Department"][];
            grids: components["schemas"]["GridView"][];
            units: components["schemas"]["UnitView"][];
        };
        /** @description One node of the org tree above the grids. */
        OrgUnit: {
            id: components["schemas"]["OrgUnitId"];
            level: components["schemas"]["OrgLevel"];
            name: string;
            parent_id?: null | components["schemas"]["OrgUnitId"];
        };
        /** @description An org unit: the county, a township/street or a village/community. */
        OrgUnitId: string;
        /**
         * @description How a closed case ended.
         * @enum {string}
         */
        Outcome: "resolved" | "resolved_on_spot" | "invalid" | "duplicate";
        /** @description Answer to a password change or reset. */
        PasswordChanged: {
            /**
             * Format: int64
             * @description Sign-ins ended by the change.
             */
            revoked_tokens: number;
        };
        /** @description Answer to `GET /api/v1/patrols/{id}`. */
        PatrolDetail: components["schemas"]["PatrolView"] & {
            /**
             * @description The findings recorded on it, as the device sent them (with `case_id` when they opened a
             *     case): stored findings, served as they are stored.
             */
            finding_list: components["schemas"]["Finding"][];
            /** @description The grid's GeoJSON polygon, for the map. */
            grid_polygon?: unknown;
            /**
             * @description The first [`TRACK_PAGE`] track points received, in time order; the rest come from
             *     `GET /api/v1/patrols/{id}/track?offset=…` (see `track_next_offset`).
             */
            track: components["schemas"]["TrackPoint"][];
            /**
             * Format: int64
             * @description The `offset` of the track's next page, when it has more points than `track` holds.
             */
            track_next_offset?: number | null;
            /**
             * Format: int64
             * @description Track points received in all.
             */
            track_total: number;
        };
        /** @description A patrol round. */
        PatrolId: string;
        /** @description Answer to `GET /api/v1/patrols`. */
        PatrolList: {
            /** Format: date */
            date: string;
            items: components["schemas"]["PatrolView"][];
            /**
             * Format: int64
             * @description The `offset` of the next page, when there is one.
             */
            next_offset?: number | null;
            /**
             * Format: int64
             * @description Patrols that match, on every page.
             */
            total: number;
        };
        /** @description A patrol as the console lists it. */
        PatrolView: {
            /**
             * @description Whether it counts for coverage (巡查率): it has a track, and its start is not dated
             *     after it was received (`yiwang_core::measures::PatrolFacts::counts`).
             */
            counts_for_coverage: boolean;
            /**
             * Format: date
             * @description The local day and window its start counts for; `None` outside both windows.
             */
            date: string;
            /**
             * Format: date-time
             * @description `None` while the patrol is under way (or its end has not synced yet).
             */
            ended_at?: string | null;
            /**
             * Format: int64
             * @description Findings recorded on it, and how many of them opened a case.
             */
            findings: number;
            grid_id: components["schemas"]["GridId"];
            grid_name?: string | null;
            id: components["schemas"]["PatrolId"];
            /**
             * Format: int64
             * @description Track points received.
             */
            points: number;
            /**
             * Format: date-time
             * @description When the server received the patrol's start (the device cannot choose it).
             */
            received_at: string;
            /** Format: int64 */
            reported: number;
            /** Format: date-time */
            started_at: string;
            window?: null | components["schemas"]["PatrolWindow"];
            worker_id: components["schemas"]["UserId"];
            worker_name?: string | null;
        };
        /**
         * @description The two patrol windows of a day (docs/DESIGN.md §3): a day is covered when both have a patrol.
         * @enum {string}
         */
        PatrolWindow: "morning" | "afternoon";
        /** @description The SHA-256 of a stored photo file, lower-case hex. Photos are content-addressed by it. */
        PhotoHash: string;
        /** @description A photo a case shows, and whether its bytes have arrived. */
        PhotoView: {
            sha256: components["schemas"]["PhotoHash"];
            /** @description Where the case refers to it: `report`, `finding`, or `event:{seq}`. */
            sources: string[];
            /** @description `stored` once uploaded and verified; `pending` while the device has not sent it yet. */
            status: string;
            thumb_url: string;
            url: string;
        };
        /** @description Answer to `GET /api/v1/sync/pull?cursor=C&limit=N`. */
        PullResponse: {
            changes: components["schemas"]["Change"][];
            cursor: string;
            has_more: boolean;
        };
        /** @description `POST /api/v1/sync/push` */
        PushRequest: {
            device_id: components["schemas"]["DeviceId"];
            ops: components["schemas"]["Op"][];
        };
        /** @description Answer to `POST /api/v1/sync/push`: one result per op, in request order. */
        PushResponse: {
            results: components["schemas"]["OpResult"][];
        };
        /**
         * @description The verdict when the case is followed up (回访).
         * @enum {string}
         */
        Rating: "satisfied" | "basically_satisfied" | "dissatisfied";
        /**
         * @description Whose verdict a rating records.
         *
         *     Events written before ratings were marked carry no source; they read as
         *     [`RatingSource::Resident`]: the console offered rating as 回访评价, the resident's answer on
         *     a follow-up call. A resident rating is written without the field, so those old events keep
         *     their hashes and new ones look the same.
         * @enum {string}
         */
        RatingSource: "resident" | "operator";
        /** @description A rejected op as the server keeps and shows it. */
        RejectedOp: {
            /** Format: date-time */
            at: string;
            code: components["schemas"]["ErrorCode"];
            data: unknown;
            device_id: components["schemas"]["DeviceId"];
            entity_id: string;
            message: string;
            op_id: components["schemas"]["OpId"];
            /** Format: date-time */
            received_at: string;
            type: components["schemas"]["OpType"];
            user_id: components["schemas"]["UserId"];
        };
        /** @description Answer to `GET /api/v1/sync/rejected`: newest first. */
        RejectedPage: {
            has_more: boolean;
            ops: components["schemas"]["RejectedOp"][];
        };
        /** @description Body of `POST /api/v1/admin/users/{id}/password`. */
        ResetPassword: {
            password: string;
            /**
             * @description Also sign the user's devices out (a lost or stolen phone). Their console sessions always
             *     end.
             */
            revoke_devices?: boolean;
        };
        /**
         * @description What a user does (docs/DESIGN.md §1).
         * @enum {string}
         */
        Role: "grid_worker" | "community" | "township" | "center" | "department" | "leader" | "admin";
        /** @description A device or browser a user signed in on, as `GET /api/v1/admin/users/{id}/devices` lists it. */
        SignedInDevice: {
            /** @description Whether a sign-in on it still works (not revoked, not expired). */
            active: boolean;
            /**
             * Format: int32
             * @description Sign-ins on it that still work.
             */
            active_tokens: number;
            device_id: components["schemas"]["DeviceId"];
            device_name: string;
            kind: components["schemas"]["ClientKind"];
            /** Format: date-time */
            last_used_at: string;
            /**
             * Format: date-time
             * @description The newest sign-in on it.
             */
            signed_in_at: string;
        };
        /** @description One dimension's breakdown. */
        StatsBreakdown: {
            dimension: components["schemas"]["Dimension"];
            rows: components["schemas"]["StatsRow"][];
        };
        /** @description Answer to `GET /api/v1/stats`. */
        StatsResponse: {
            /** @description The breakdown by the first dimension asked for. */
            breakdown: components["schemas"]["StatsRow"][];
            /**
             * @description The breakdown by each dimension asked for, in the order asked: a screen showing several
             *     breakdowns asks once, and the cases' facts are read once.
             */
            breakdowns: components["schemas"]["StatsBreakdown"][];
            /** @description Intake and closed per Beijing-time day of the period; they add up to the totals. */
            by_day: components["schemas"]["DayRow"][];
            dimension?: null | components["schemas"]["Dimension"];
            /** Format: date-time */
            from: string;
            /**
             * Format: date-time
             * @description The instant the figures were computed at ("overdue now" is judged at it).
             */
            now: string;
            /** Format: date-time */
            to: string;
            /** @description Over every case the caller may see. */
            total: components["schemas"]["Measures"];
        };
        /** @description One key of a breakdown with its figures. */
        StatsRow: {
            key: string;
            measures: components["schemas"]["Measures"];
            name?: string | null;
        };
        /** @description Answer to `GET /api/v1/patrols/{id}/track`. */
        TrackPage: {
            items: components["schemas"]["TrackPoint"][];
            /**
             * Format: int64
             * @description The `offset` of the next page, when there is one.
             */
            next_offset?: number | null;
            /**
             * Format: int64
             * @description Track points received in all.
             */
            total: number;
        };
        /** @description One GPS fix on a patrol track. */
        TrackPoint: {
            /** Format: double */
            accuracy_m?: number | null;
            /** Format: double */
            lat: number;
            /** Format: double */
            lon: number;
            /** @description The OS says this fix came from a mock location provider. */
            mock?: boolean;
            /** Format: date-time */
            t: string;
        };
        /** @description Answer to `POST /api/v1/admin/units`. */
        UnitSaved: {
            created: boolean;
            unit: components["schemas"]["UnitView"];
        };
        /** @description An org unit with its path (`/county/township/community/`). */
        UnitView: {
            id: components["schemas"]["OrgUnitId"];
            level: components["schemas"]["OrgLevel"];
            name: string;
            parent_id?: null | components["schemas"]["OrgUnitId"];
            path: string;
        };
        /** @description A user account. */
        UserId: string;
        /** @description The signed-in user, as the device keeps it. */
        UserInfo: {
            department_id?: null | components["schemas"]["DepartmentId"];
            display_name: string;
            grid_ids?: components["schemas"]["GridId"][];
            id: components["schemas"]["UserId"];
            org_unit_id?: null | components["schemas"]["OrgUnitId"];
            role: components["schemas"]["Role"];
            username: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    audit_log: {
        parameters: {
            query?: {
                /** @description Only these actions (repeat or separate with commas), e.g. `sign_in_failed`. */
                action?: string;
                /** @description Only what this user did: a user name or user id. */
                actor?: string;
                /** @description Records older than this one: the previous page's `next_before`. */
                before?: number;
                /** @description Records on this page (1 to 1000; 100 by default). */
                limit?: number;
                /** @description From this time on: RFC 3339, or a date (Beijing time). */
                since?: string;
                /** @description Before this time: RFC 3339, or a date (to the end of that day, Beijing time). */
                until?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_categories: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description {classes: [{code, name, name_en, leaves: [{code, name, name_en, deadline, department}]}]} */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    put_categories: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description the whole tree in the format GET returns */
        requestBody: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description the stored tree */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_categories, category_in_use */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    admin_list_grids: {
        parameters: {
            query?: {
                /** @description 1 to include polygons */
                polygons?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GridView"][];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    import_grids: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description GeoJSON FeatureCollection; properties {id, name, kind, community_id, worker?} */
        requestBody: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportSummary"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_grids, with error.features: [{index, id, errors}] */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_units: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UnitView"][];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    upsert_unit: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OrgUnit"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UnitSaved"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_input, invalid_body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminUserView"][];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_user: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateUser"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminUserView"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description username_taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_input, weak_password, invalid_body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_devices: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SignedInDevice"][];
                };
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke_device: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description device id */
                device_id: string;
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceRevoked"];
                };
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: no such user, or the user never signed in on that device */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    disable_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Disabled"];
                };
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description cannot_disable_self */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    enable_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminUserView"];
                };
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    reset_password: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResetPassword"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PasswordChanged"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description weak_password, invalid_body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable (Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoginResponse"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description bad_credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description too_many_attempts (Retry-After) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: too many sign-ins at once (Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the signed-in user */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserInfo"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    change_password: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChangePassword"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PasswordChanged"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description wrong_password */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description weak_password, invalid_body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description too_many_attempts (Retry-After) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable (Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_cases: {
        parameters: {
            query?: {
                /** @description A leaf code (01.02) or a class code (01) for all its leaves. */
                category?: string;
                /** @description grid, hotline8890, service_hall, wechat, open311. */
                channel?: string;
                /** @description Cases lodged in this village/community. */
                community?: string;
                /** @description Cases ever dispatched to this department. */
                department?: string;
                /** @description With `measure` and `key`: the cases of one breakdown row (township, department, …). */
                dimension?: string;
                /** @description true: a department asked for a later deadline that nobody has decided yet. */
                extension_requested?: boolean;
                /** @description Reported at or after: RFC 3339, or YYYY-MM-DD (Beijing time, start of day). */
                from?: string;
                grid?: string;
                /** @description Cases held by this org unit now. */
                holder_unit?: string;
                /** @description The breakdown row's key, as `/stats` gives it. */
                key?: string;
                /**
                 * @description Only the cases behind a figure of `/api/v1/stats` (closed, closure_rate, on_time_rate,
                 *     overdue_now, intake, …); `from`/`to` are then the figure's period, as in `/stats`.
                 */
                measure?: string;
                /** @description asc or desc. */
                order?: string;
                /** @description true: at a department past the deadline; false: all others. */
                overdue?: boolean;
                /** @description From 1. */
                page?: number;
                /** @description At most 200; default 50. */
                page_size?: number;
                /** @description Text in the description, address, the caller's contact (name, phone) or case id. */
                q?: string;
                /**
                 * @description unrated (closed, not rated yet), satisfied, basically_satisfied or dissatisfied: the
                 *     rating the satisfaction figure counts (the resident's, else the operator's).
                 */
                rating?: string;
                /**
                 * @description A department's own lists show the cases charged to it; true: the ones it returned (or
                 *     that were taken back) instead. Only for a department.
                 */
                returned?: boolean;
                /** @description reported_at (default), updated_at or deadline; `-field` or `field:desc` for descending. */
                sort?: string;
                /** @description pending, claimed, dispatched, in_progress, handled, verifying, closed: repeat or comma-separate. */
                state?: string;
                /** @description true: urged (督办) at least once. */
                supervised?: boolean;
                /** @description Reported before: RFC 3339, or YYYY-MM-DD (Beijing time, through the end of that day). */
                to?: string;
                /** @description Cases lodged in this township/street. */
                township?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CaseList"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    intake: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["IntakeRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CaseChange"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden, out_of_jurisdiction */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_input, invalid_body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    case_detail: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description case id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CaseDetail"];
                };
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description out_of_jurisdiction */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    case_action: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description case id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CaseActionData"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CaseChange"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description forbidden_role, out_of_jurisdiction, not_holder, rating_not_allowed */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description stale_state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_transition, invalid_input, already_rated, no_extension_requested, no_parent_unit, invalid_body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    coverage: {
        parameters: {
            query?: {
                /** @description The Beijing-time day, YYYY-MM-DD. Default: today. */
                date?: string;
                /**
                 * @description `false`: the totals only, without a row per grid or community (a city's dashboard: a
                 *     province has 180,000 grids). Default `true`.
                 */
                rows?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CoverageResponse"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cases_csv: {
        parameters: {
            query?: {
                /** @description A leaf code (01.02) or a class code (01) for all its leaves. */
                category?: string;
                /** @description grid, hotline8890, service_hall, wechat, open311. */
                channel?: string;
                /** @description Cases lodged in this village/community. */
                community?: string;
                /** @description Cases ever dispatched to this department. */
                department?: string;
                /** @description With `measure` and `key`: the cases of one breakdown row (township, department, …). */
                dimension?: string;
                /** @description true: a department asked for a later deadline that nobody has decided yet. */
                extension_requested?: boolean;
                /** @description Reported at or after: RFC 3339, or YYYY-MM-DD (Beijing time, start of day). */
                from?: string;
                grid?: string;
                /** @description Cases held by this org unit now. */
                holder_unit?: string;
                /** @description The breakdown row's key, as `/stats` gives it. */
                key?: string;
                /**
                 * @description Only the cases behind a figure of `/api/v1/stats` (closed, closure_rate, on_time_rate,
                 *     overdue_now, intake, …); `from`/`to` are then the figure's period, as in `/stats`.
                 */
                measure?: string;
                /** @description asc or desc. */
                order?: string;
                /** @description true: at a department past the deadline; false: all others. */
                overdue?: boolean;
                /** @description Text in the description, address, the caller's contact (name, phone) or case id. */
                q?: string;
                /**
                 * @description unrated (closed, not rated yet), satisfied, basically_satisfied or dissatisfied: the
                 *     rating the satisfaction figure counts (the resident's, else the operator's).
                 */
                rating?: string;
                /**
                 * @description A department's own lists show the cases charged to it; true: the ones it returned (or
                 *     that were taken back) instead. Only for a department.
                 */
                returned?: boolean;
                /** @description reported_at (default), updated_at or deadline; `-field` or `field:desc` for descending. */
                sort?: string;
                /** @description pending, claimed, dispatched, in_progress, handled, verifying, closed: repeat or comma-separate. */
                state?: string;
                /** @description true: urged (督办) at least once. */
                supervised?: boolean;
                /** @description Reported before: RFC 3339, or YYYY-MM-DD (Beijing time, through the end of that day). */
                to?: string;
                /** @description Cases lodged in this township/street. */
                township?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/csv, UTF-8 with BOM, Chinese headers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": unknown;
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description export_too_large */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cases_geojson: {
        parameters: {
            query?: {
                /** @description A leaf code (01.02) or a class code (01) for all its leaves. */
                category?: string;
                /** @description grid, hotline8890, service_hall, wechat, open311. */
                channel?: string;
                /** @description Cases lodged in this village/community. */
                community?: string;
                /** @description Cases ever dispatched to this department. */
                department?: string;
                /** @description With `measure` and `key`: the cases of one breakdown row (township, department, …). */
                dimension?: string;
                /** @description true: a department asked for a later deadline that nobody has decided yet. */
                extension_requested?: boolean;
                /** @description Reported at or after: RFC 3339, or YYYY-MM-DD (Beijing time, start of day). */
                from?: string;
                grid?: string;
                /** @description Cases held by this org unit now. */
                holder_unit?: string;
                /** @description The breakdown row's key, as `/stats` gives it. */
                key?: string;
                /**
                 * @description Only the cases behind a figure of `/api/v1/stats` (closed, closure_rate, on_time_rate,
                 *     overdue_now, intake, …); `from`/`to` are then the figure's period, as in `/stats`.
                 */
                measure?: string;
                /** @description asc or desc. */
                order?: string;
                /** @description true: at a department past the deadline; false: all others. */
                overdue?: boolean;
                /** @description Text in the description, address, the caller's contact (name, phone) or case id. */
                q?: string;
                /**
                 * @description unrated (closed, not rated yet), satisfied, basically_satisfied or dissatisfied: the
                 *     rating the satisfaction figure counts (the resident's, else the operator's).
                 */
                rating?: string;
                /**
                 * @description A department's own lists show the cases charged to it; true: the ones it returned (or
                 *     that were taken back) instead. Only for a department.
                 */
                returned?: boolean;
                /** @description reported_at (default), updated_at or deadline; `-field` or `field:desc` for descending. */
                sort?: string;
                /** @description pending, claimed, dispatched, in_progress, handled, verifying, closed: repeat or comma-separate. */
                state?: string;
                /** @description true: urged (督办) at least once. */
                supervised?: boolean;
                /** @description Reported before: RFC 3339, or YYYY-MM-DD (Beijing time, through the end of that day). */
                to?: string;
                /** @description Cases lodged in this township/street. */
                township?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description application/geo+json FeatureCollection */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/geo+json": unknown;
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description export_too_large */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_grids: {
        parameters: {
            query?: {
                /** @description The Beijing-time day whose patrols are counted, YYYY-MM-DD. Default: today. */
                date?: string;
                /** @description Grids in this page, 1 to 2,000. Default 500. */
                limit?: number;
                /** @description Grids to skip (paging). Default 0. */
                offset?: number;
                /** @description 1 to include each grid's GeoJSON polygon. */
                polygons?: boolean;
                /** @description A township or community: only its grids. */
                unit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GridList"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    org: {
        parameters: {
            query?: {
                /** @description 1 to include each grid's GeoJSON polygon. */
                polygons?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrgResponse"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_patrols: {
        parameters: {
            query?: {
                /** @description The Beijing-time day, YYYY-MM-DD. Default: today. */
                date?: string;
                /** @description One grid; default: every grid in the caller's jurisdiction. */
                grid_id?: string;
                /** @description Patrols in this page, 1 to 2,000. Default 500. */
                limit?: number;
                /** @description Patrols to skip (paging). Default 0. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PatrolList"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description out_of_jurisdiction */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patrol_detail: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description patrol id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PatrolDetail"];
                };
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description out_of_jurisdiction */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    patrol_track: {
        parameters: {
            query?: {
                /** @description Points in this page, 1 to 2,000. Default 2,000. */
                limit?: number;
                /** @description Points to skip. Default 0. */
                offset?: number;
            };
            header?: never;
            path: {
                /** @description patrol id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrackPage"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description out_of_jurisdiction */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create: {
        parameters: {
            query?: never;
            header: {
                /** @description the tus version: 1.0.0 */
                "Tus-Resumable": "1.0.0";
                /** @description the whole file's size in bytes */
                "Upload-Length": number;
                /** @description tus metadata: `sha256 <base64 of the hex SHA-256>`, optionally `finding_id <base64>` */
                "Upload-Metadata": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description created; Location names the upload */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a tus header is missing or malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated: no valid sign-in; sign in again */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description too_many_uploads: the user's open uploads are at the limit (Retry-After) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description insufficient_storage: the disk is nearly full (Retry-After) */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    terminate: {
        parameters: {
            query?: never;
            header: {
                /** @description the tus version: 1.0.0 */
                "Tus-Resumable": "1.0.0";
            };
            path: {
                /** @description the upload, as its creation's Location names it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated: no valid sign-in; sign in again */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description tus_version_unsupported: send Tus-Resumable: 1.0.0 */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    status: {
        parameters: {
            query?: never;
            header: {
                /** @description the tus version: 1.0.0 */
                "Tus-Resumable": "1.0.0";
            };
            path: {
                /** @description the upload, as its creation's Location names it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Upload-Offset and Upload-Length headers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description unauthenticated: no valid sign-in; sign in again */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description tus_version_unsupported: send Tus-Resumable: 1.0.0 */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    patch: {
        parameters: {
            query?: never;
            header: {
                /** @description the tus version: 1.0.0 */
                "Tus-Resumable": "1.0.0";
                /** @description `sha256 <base64>` of this chunk */
                "Upload-Checksum"?: string;
                /** @description must equal the server's offset */
                "Upload-Offset": number;
            };
            path: {
                /** @description the upload, as its creation's Location names it */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/offset+octet-stream": string;
            };
        };
        responses: {
            /** @description new Upload-Offset */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated: no valid sign-in; sign in again */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description tus_version_unsupported: send Tus-Resumable: 1.0.0 */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the chunk as application/offset+octet-stream */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description checksum_mismatch: offset unchanged */
            460: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description insufficient_storage: the disk is nearly full; offset unchanged (Retry-After) */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    photo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sha256: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": unknown;
                };
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated: no valid sign-in; sign in again */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    photo_exists: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sha256: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description unauthenticated: no valid sign-in; sign in again */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    thumbnail: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sha256: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": unknown;
                };
            };
            /** @description a path parameter is malformed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated: no valid sign-in; sign in again */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stats: {
        parameters: {
            query?: {
                /**
                 * @description county, township, community, grid, department, category or category_class; or several,
                 *     separated by commas (each once), for a breakdown by each (`breakdowns`).
                 */
                dimension?: string;
                /** @description Start of the period: RFC 3339 or YYYY-MM-DD (Beijing time). Default: 30 days before `to`. */
                from?: string;
                /** @description End of the period (exclusive; a date means through its end). Default: now. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatsResponse"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    pull: {
        parameters: {
            query?: {
                /** @description The cursor of the last page (`v1.<epoch>.<seq>`); absent or empty: from the start. */
                cursor?: string;
                /** @description Most changes to return (default 500); more than 1000 is taken as 1000. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PullResponse"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description cursor_invalid: pull again from the empty cursor */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    push: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PushRequest"];
            };
        };
        responses: {
            /** @description one result per op, in op order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PushResponse"];
                };
            };
            /** @description invalid_json / invalid_body: the body is not JSON, or not readable */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description device_mismatch: the body names another device than the token's */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description too_large: the body is larger than the server takes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description invalid_content_type: send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description too_many_ops, invalid_body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    rejected: {
        parameters: {
            query?: {
                /** @description Most ops to return (default 100); more than 1000 is taken as 1000. */
                limit?: number;
                /** @description Ops to skip (newest first). */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RejectedPage"];
                };
            };
            /** @description invalid_query */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unauthenticated */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description not_found: a query names a unit, grid, category, department or figure that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable: the server is busy; try again (see Retry-After) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description the request took longer than the server's time limit */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description internal: an error on the server */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
}
