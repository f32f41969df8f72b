//! Who is calling: personal access tokens (`ghp_…` classic with OAuth scopes, `github_pat_…`
//! fine-grained), a GitHub App's JWT, or an installation access token (`ghs_…`, see
//! [`crate::apps`]), presented as `Authorization: token T`, `Bearer T` or Basic with the token
//! as password, as GitHub accepts them.
//!
//! Tokens are stored by their SHA-256 only; nothing here returns or logs a token. Scope checks
//! follow GitHub's hierarchy (`repo` covers `public_repo`, `admin:org` covers `read:org`, ...).
//!
//! What this module must not do: decide what a resource allows (services do), or know HTTP
//! beyond the one header value it parses.

use base64::Engine;
use sha2::{Digest, Sha256};
use simkit::clock::Clock;
use simkit::ids::IdGen;

use crate::error::GitHubError;
pub use crate::model::TokenKind;
use crate::model::{Account, AccountKind, App, InstallationToken, PatGrant, State, Token};

/// The scopes of the bootstrap administrator token: every classic scope bleephub checks.
pub const ALL_SCOPES: &[&str] = &[
    "admin:org",
    "admin:repo_hook",
    "delete_repo",
    "gist",
    "notifications",
    "repo",
    "user",
    "workflow",
];

/// A caller GitHub knows.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    pub token: Token,
    /// The app itself, when the caller presented the app's JWT.
    pub app: Option<App>,
    /// The grant of an installation access token (`ghs_…`).
    pub installation: Option<InstallationToken>,
    /// What a fine-grained personal access token was narrowed to, when it was.
    pub pat: Option<PatGrant>,
}

impl Principal {
    /// The account itself, with nothing withheld by scopes: for asking what an account may do
    /// (whether a requested reviewer can see a repository), never for authenticating.
    pub fn for_account(account: Account) -> Option<Self> {
        let token = Token {
            login: account.login.clone(),
            kind: TokenKind::FineGrained,
            scopes: Vec::new(),
            created_at: account.created_at,
        };
        Some(Self {
            account,
            token,
            app: None,
            installation: None,
            pat: None,
        })
    }

    /// A principal that is a GitHub App (its JWT) or one of its installations (`ghs_…`):
    /// permissions, not OAuth scopes, decide what it may do.
    pub fn is_integration(&self) -> bool {
        self.app.is_some() || self.installation.is_some()
    }

    pub fn login(&self) -> &str {
        &self.account.login
    }

    /// Whether the token grants `scope`, directly or through a broader scope. Fine-grained
    /// tokens carry no OAuth scopes: their permissions, when they were given some, are checked
    /// per operation (`crate::apps::permissions`), and without any they act as their owner.
    pub fn has_scope(&self, scope: &str) -> bool {
        match self.token.kind {
            // Apps' permissions are checked per operation (`crate::apps::permissions`).
            TokenKind::FineGrained | TokenKind::App => true,
            TokenKind::Classic => self
                .token
                .scopes
                .iter()
                .any(|granted| granted == scope || covers(granted, scope)),
        }
    }

    /// `X-OAuth-Scopes`: the token's scopes, comma-separated as GitHub sends them.
    pub fn scopes_header(&self) -> Option<String> {
        match self.token.kind {
            TokenKind::Classic => Some(self.token.scopes.join(", ")),
            TokenKind::FineGrained | TokenKind::App => None,
        }
    }
}

/// Whether `broad` includes `narrow` in GitHub's scope hierarchy.
fn covers(broad: &str, narrow: &str) -> bool {
    let children: &[&str] = match broad {
        "repo" => &[
            "public_repo",
            "repo:status",
            "repo_deployment",
            "repo:invite",
            "security_events",
        ],
        "admin:org" => &["write:org", "read:org", "manage_runners:org"],
        "write:org" => &["read:org"],
        "user" => &["read:user", "user:email", "user:follow"],
        "admin:repo_hook" => &["write:repo_hook", "read:repo_hook"],
        "write:repo_hook" => &["read:repo_hook"],
        "admin:public_key" => &["write:public_key", "read:public_key"],
        "write:packages" => &["read:packages"],
        _ => &[],
    };
    children.contains(&narrow)
}

/// The classic scopes GitHub knows, for validating what the admin API is asked to grant.
pub fn is_known_scope(scope: &str) -> bool {
    const KNOWN: &[&str] = &[
        "repo",
        "repo:status",
        "repo_deployment",
        "public_repo",
        "repo:invite",
        "security_events",
        "admin:repo_hook",
        "write:repo_hook",
        "read:repo_hook",
        "admin:org",
        "write:org",
        "read:org",
        "manage_runners:org",
        "admin:public_key",
        "write:public_key",
        "read:public_key",
        "admin:org_hook",
        "gist",
        "notifications",
        "user",
        "read:user",
        "user:email",
        "user:follow",
        "project",
        "read:project",
        "delete_repo",
        "write:packages",
        "read:packages",
        "delete:packages",
        "admin:gpg_key",
        "write:gpg_key",
        "read:gpg_key",
        "codespace",
        "workflow",
        "admin:enterprise",
        "audit_log",
        "copilot",
        "admin:ssh_signing_key",
    ];
    KNOWN.contains(&scope)
}

/// A new token of `kind`, in GitHub's format.
pub fn new_token(ids: &dyn IdGen, kind: TokenKind) -> String {
    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    match kind {
        TokenKind::Classic => format!("ghp_{}", ids.random_word(ALPHANUMERIC, 36)),
        TokenKind::FineGrained => format!(
            "github_pat_{}_{}",
            ids.random_word(ALPHANUMERIC, 22),
            ids.random_word(ALPHANUMERIC, 59)
        ),
        TokenKind::App => format!("ghs_{}", ids.random_word(ALPHANUMERIC, 36)),
    }
}

/// The store key of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The token an `Authorization` header presents: `token T`, `Bearer T`, or Basic with the
/// token as password. `Err` for a header GitHub cannot read.
pub fn presented_token(header: &str) -> Result<String, GitHubError> {
    let (scheme, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let rest = rest.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "token" | "bearer" if !rest.is_empty() => Ok(rest.to_string()),
        "basic" => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .map_err(|_| GitHubError::BadCredentials)?;
            let text = String::from_utf8(decoded).map_err(|_| GitHubError::BadCredentials)?;
            let (_, password) = text.split_once(':').ok_or(GitHubError::BadCredentials)?;
            Ok(password.to_string())
        }
        _ => Err(GitHubError::BadCredentials),
    }
}

/// The principal behind a token at `now` (Unix milliseconds): an app's JWT (checked as
/// GitHub does, with its 401 messages), an unexpired installation token, or a personal access
/// token; `BadCredentials` otherwise.
pub fn authenticate(state: &State, token: &str, now: i64) -> Result<Principal, GitHubError> {
    if crate::apps::jwt::looks_like_jwt(token) {
        let app = crate::apps::jwt::verify(state, token, now.div_euclid(1000))?;
        return integration_principal(state, app, None, now);
    }
    if token.starts_with("ghs_") {
        let grant = state
            .installation_tokens
            .get(&token_hash(token))
            .filter(|grant| grant.expires_at > now)
            .ok_or(GitHubError::BadCredentials)?;
        let app = state
            .apps
            .get(&crate::model::id_key(grant.app_id))
            .ok_or(GitHubError::BadCredentials)?;
        return integration_principal(state, app, Some(grant), now);
    }
    let record = state
        .tokens
        .get(&token_hash(token))
        .ok_or(GitHubError::BadCredentials)?;
    let account = state
        .account(&record.login)
        .ok_or(GitHubError::BadCredentials)?;
    let pat = state.pat_grants.get(&token_hash(token));
    Ok(Principal {
        account,
        token: record,
        app: None,
        installation: None,
        pat,
    })
}

/// An app (its JWT) or one of its installation tokens, acting as the app's bot account.
fn integration_principal(
    state: &State,
    app: App,
    grant: Option<InstallationToken>,
    now: i64,
) -> Result<Principal, GitHubError> {
    let account = state
        .account(&app.bot_login())
        .ok_or(GitHubError::BadCredentials)?;
    let token = Token {
        login: account.login.clone(),
        kind: TokenKind::App,
        scopes: Vec::new(),
        created_at: now,
    };
    let (app, installation) = match grant {
        Some(grant) => (None, Some(grant)),
        None => (Some(app), None),
    };
    Ok(Principal {
        account,
        token,
        app,
        installation,
        pat: None,
    })
}

/// Creates the site administrator (if absent) and registers `token` for it with every scope.
pub fn seed_admin(state: &State, clock: &dyn Clock, token: &str) -> Result<(), GitHubError> {
    let now = clock.now_millis();
    if state.account(crate::ADMIN_LOGIN).is_none() {
        create_account(
            state,
            crate::ADMIN_LOGIN,
            AccountKind::User,
            now,
            |account| {
                account.site_admin = true;
                account.name = Some("Sockerless Admin".into());
            },
        )?;
    }
    state.tokens.insert(
        &token_hash(token),
        Token {
            login: crate::ADMIN_LOGIN.into(),
            kind: if token.starts_with("github_pat_") {
                TokenKind::FineGrained
            } else {
                TokenKind::Classic
            },
            scopes: ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
            created_at: now,
        },
    )?;
    Ok(())
}

/// Creates an account with the next ID; `edit` fills optional fields. `ValidationFailed` if
/// the login is taken (users and organizations share the namespace).
pub fn create_account(
    state: &State,
    login: &str,
    kind: AccountKind,
    now: i64,
    edit: impl FnOnce(&mut Account),
) -> Result<Account, GitHubError> {
    let key = login.to_ascii_lowercase();
    state.store.transaction(|txn| {
        if txn.contains(&state.accounts, &key)? {
            return Err(GitHubError::ValidationFailed(vec![
                crate::error::FieldError::custom(kind.as_str(), "login", "login is already taken"),
            ]));
        }
        let id = crate::model::next_id(txn, &state.counters, "account")?;
        let mut account = Account {
            id,
            login: login.to_string(),
            kind,
            name: None,
            email: None,
            company: None,
            blog: String::new(),
            location: None,
            bio: None,
            description: None,
            site_admin: false,
            created_at: now,
            updated_at: now,
        };
        edit(&mut account);
        txn.insert(&state.accounts, &key, account.clone())?;
        Ok(account)
    })
}

/// Whether `login` is a valid GitHub login: alphanumerics and single inner hyphens, at most 39.
pub fn valid_login(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= 39
        && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !login.starts_with('-')
        && !login.ends_with('-')
        && !login.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_headers_present_tokens() {
        let basic = base64::engine::general_purpose::STANDARD.encode("x-access-token:ghp_abc");
        let cases = [
            ("token ghp_abc", Ok("ghp_abc".to_string())),
            ("Bearer ghp_abc", Ok("ghp_abc".to_string())),
            (&*format!("Basic {basic}"), Ok("ghp_abc".to_string())),
            ("Basic !!!", Err(GitHubError::BadCredentials)),
            ("Digest x", Err(GitHubError::BadCredentials)),
            ("token", Err(GitHubError::BadCredentials)),
        ];
        for (header, expected) in cases {
            assert_eq!(presented_token(header), expected, "{header}");
        }
    }

    #[test]
    fn scopes_follow_githubs_hierarchy() {
        assert!(covers("repo", "public_repo"));
        assert!(covers("admin:org", "read:org"));
        assert!(!covers("public_repo", "repo"));
        assert!(!covers("repo", "delete_repo"));
    }

    #[test]
    fn tokens_have_githubs_formats() {
        let ids = simkit::ids::SequentialIds::new(1);
        let classic = new_token(&ids, TokenKind::Classic);
        assert!(
            classic.starts_with("ghp_") && classic.len() == 40,
            "{classic}"
        );
        let fine = new_token(&ids, TokenKind::FineGrained);
        assert!(
            fine.starts_with("github_pat_") && fine.len() == 93,
            "{fine}"
        );
    }

    #[test]
    fn logins_are_validated() {
        for (login, ok) in [
            ("octo-cat", true),
            ("-x", false),
            ("a--b", false),
            ("a/b", false),
        ] {
            assert_eq!(valid_login(login), ok, "{login}");
        }
    }
}
