//! The words captures print in other languages: titles, column headers, TCP state names and
//! the `netstat -b` ownership message.
//!
//! Sources: real captures (`shared/captures`, see docs/import.md), the net-tools message
//! catalogues Debian ships (de, fr, pt_BR, cs, ja, et), and Microsoft's localized `netstat`.
//! On current Windows only German translates the state words; Linux net-tools translates them
//! in Portuguese, Czech, German (`VERBUNDEN`) and Spanish (`ESCUCHAR`, `ESTABLECIDO`).

use crate::model::TcpState;

/// Titles that start a Windows `netstat` listing (one per block with `netstat -on 5`).
pub const WINDOWS_TITLES: &[&str] = &[
    "Active Connections",
    "Aktive Verbindungen",
    "Connexions actives",
    "Conexiones activas",
    "Conexões ativas",
    "Connessioni attive",
    "Aktywne połączenia",
    "Actieve verbindingen",
    "Активные подключения",
    "Активные соединения",
    "活动连接",
    "使用中連線",
    "アクティブな接続",
    "활성 연결",
];

/// First word of a Windows `netstat` column header line.
pub const WINDOWS_PROTO_HEADERS: &[&str] = &[
    "Proto",
    "Proto.",
    "Protokół",
    "Имя",
    "Протокол",
    "协议",
    "協定",
    "プロトコル",
    "プロト",
    "프로토콜",
];

/// Titles of the Internet section of Linux `netstat` (before the parenthesis).
pub const LINUX_TITLES: &[&str] = &[
    "Active Internet connections",
    "Aktive Internetverbindungen",
    "Connexions Internet actives",
    "Conexões Internet Ativas",
    "Conexiones activas de Internet",
    "Aktivní Internetová spojení",
    "Aktiivsed internetiühendused",
    "稼働中のインターネット接続",
];

/// Column names of Linux `netstat -e` that mean "User" (the User/Inode pair follows State).
pub const LINUX_USER_HEADERS: &[&str] = &[
    "User",
    "Benutzer",
    "Utilisatr",
    "Usuário",
    "Usuario",
    "ユーザ",
    "Uživatel",
    "Kasutaja",
];

/// Column names of Linux `netstat -o` that mean "Timer".
pub const LINUX_TIMER_HEADERS: &[&str] = &[
    "Timer",
    "Temporizador",
    "タイマ",
    "Časovač",
    "Taimer",
    "Minuterie",
];

/// Localized state words and their meaning. The mojibake forms are how `ABHÖREN` looks after
/// a wrong code page on the way (CP850 read as CP1252, UTF-8 read as CP1252, lost to `?`).
const STATES: &[(&str, TcpState)] = &[
    // German Windows (seen in real captures, except where docs/import.md says otherwise).
    ("ABHÖREN", TcpState::Listen),
    ("ABH™REN", TcpState::Listen),
    ("ABHÃ–REN", TcpState::Listen),
    ("ABH?REN", TcpState::Listen),
    ("ABH\u{FFFD}REN", TcpState::Listen),
    ("ABHOEREN", TcpState::Listen),
    ("HERGESTELLT", TcpState::Established),
    ("WARTEND", TcpState::TimeWait),
    ("SCHLIESSEN_WARTEN", TcpState::CloseWait),
    ("FIN_WARTEN_1", TcpState::FinWait1),
    ("FIN_WARTEN_2", TcpState::FinWait2),
    ("SYN_GESENDET", TcpState::SynSent),
    ("SYN_EMPFANGEN", TcpState::SynRecv),
    ("LETZTES_ACK", TcpState::LastAck),
    ("SCHLIESSEND", TcpState::Closing),
    ("GESCHLOSSEN", TcpState::Close),
    ("GEBUNDEN", TcpState::Close),
    // German Linux net-tools.
    ("VERBUNDEN", TcpState::Established),
    ("HÖRT", TcpState::Listen),
    ("UNBEKANNT", TcpState::Unknown),
    // Portuguese (Brazil) Linux net-tools.
    ("OUÇA", TcpState::Listen),
    ("OUVINDO", TcpState::Listen),
    ("ESTABELECIDA", TcpState::Established),
    ("SYN_ENVIADO", TcpState::SynSent),
    ("SYN_RECEBIDO", TcpState::SynRecv),
    ("ESPERA_FIN1", TcpState::FinWait1),
    ("ESPERA_FIN2", TcpState::FinWait2),
    ("FECHAR", TcpState::Close),
    ("ESPERANDO_FECHAR", TcpState::CloseWait),
    ("ÚLTIMO_ACK", TcpState::LastAck),
    ("FECHANDO", TcpState::Closing),
    ("DESCONHECIDA", TcpState::Unknown),
    // Czech Linux net-tools (`POSLEDNÍ ACK` is two words; the parser joins them).
    ("NASLOUCHÁ", TcpState::Listen),
    ("SPOJENO", TcpState::Established),
    ("ZAVŘEN", TcpState::Close),
    ("POSLEDNÍ ACK", TcpState::LastAck),
    ("ZAVÍRÁ", TcpState::Closing),
    ("NEZNÁM", TcpState::Unknown),
    // Spanish Linux net-tools (ESCUCHAR and ESTABLECIDO seen; the rest follow its catalogue).
    ("ESCUCHAR", TcpState::Listen),
    ("ESTABLECIDO", TcpState::Established),
    ("SYN_RECIBIDO", TcpState::SynRecv),
    ("FIN_ESPERA1", TcpState::FinWait1),
    ("FIN_ESPERA2", TcpState::FinWait2),
    ("CERRADO", TcpState::Close),
    ("CERRAR_ESPERA", TcpState::CloseWait),
    ("CERRANDO", TcpState::Closing),
    // French and Japanese Linux net-tools only translate UNKNOWN.
    ("INCONNU", TcpState::Unknown),
    ("不明", TcpState::Unknown),
];

/// A TCP state in any spelling we know: netstat's (`SYN_RECV`), Windows'
/// (`SYN_RECEIVED`, `BOUND`), ss's (`ESTAB`, `SYN-RECV`, `UNCONN`), TCPView's (`Time Wait`)
/// and the localized words above.
pub fn state(word: &str) -> Option<TcpState> {
    let word = word.trim();
    if let Some(s) = TcpState::parse(word) {
        return Some(s);
    }
    let upper = word.to_uppercase();
    if let Some((_, s)) = STATES.iter().find(|(w, _)| *w == upper) {
        return Some(*s);
    }
    let norm: String = upper
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .collect();
    Some(match norm.as_str() {
        // Windows: a socket bound to an address but neither listening nor connected; Linux
        // shows the same socket as CLOSE (ss: UNCONN).
        "BOUND" => TcpState::Close,
        // ss prints an unconnected TCP socket (CLOSE) as UNCONN.
        "UNCONN" => TcpState::Close,
        "SYNRECEIVED" | "SYNRCVD" => TcpState::SynRecv,
        "FINWAIT" => TcpState::FinWait1,
        _ => return None,
    })
}

/// Windows `netstat -b` says this when it cannot read the owner of a socket.
pub const NO_OWNER_INFO: &[&str] = &[
    "Can not obtain ownership information",
    "Impossible d’obtenir les informations de propriétaire",
    "Impossible d'obtenir les informations de propriétaire",
    "No se puede obtener información de propiedad",
    "Não é possível obter informações de propriedade",
    "Impossibile ottenere informazioni sulla proprietà",
    "Не удается получить сведения о владельце",
    "无法获取所有权信息",
    "無法取得擁有權資訊",
    "所有者情報を取得できません",
];

/// Every non-ASCII word above: what the encoding guesser looks for in the decoded text.
pub fn vocabulary() -> &'static [&'static str] {
    static WORDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    WORDS.get_or_init(build_vocabulary)
}

fn build_vocabulary() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = WINDOWS_TITLES
        .iter()
        .chain(WINDOWS_PROTO_HEADERS)
        .chain(LINUX_TITLES)
        .chain(LINUX_USER_HEADERS)
        .chain(NO_OWNER_INFO)
        .copied()
        .chain(STATES.iter().map(|(w, _)| *w))
        .chain([
            "Lokale Adresse",
            "Adresse locale",
            "Dirección local",
            "Dirección remota",
            "Endereço local",
            "Endereço externo",
            "Localizzazione",
            "Локальный адрес",
            "Внешний адрес",
            "Состояние",
            "本地地址",
            "外部地址",
            "状态",
            "本機位址",
            "外部位址",
            "狀態",
            "ローカル アドレス",
            "外部アドレス",
            "状態",
            "État",
        ])
        .filter(|w| {
            !w.is_ascii() && !w.contains('\u{FFFD}') && !w.contains('™') && !w.contains('Ã')
        })
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_in_many_spellings() {
        for (word, want) in [
            ("LISTENING", TcpState::Listen),
            ("ABHÖREN", TcpState::Listen),
            ("abh™ren", TcpState::Listen),
            ("HERGESTELLT", TcpState::Established),
            ("SYN_RECEIVED", TcpState::SynRecv),
            ("SYN-RECV", TcpState::SynRecv),
            ("Time Wait", TcpState::TimeWait),
            ("FIN_WAIT_1", TcpState::FinWait1),
            ("BOUND", TcpState::Close),
            ("UNCONN", TcpState::Close),
            ("ESCUCHAR", TcpState::Listen),
            ("OUÇA", TcpState::Listen),
            ("VERBUNDEN", TcpState::Established),
            ("DELETE_TCB", TcpState::DeleteTcb),
        ] {
            assert_eq!(state(word), Some(want), "{word}");
        }
        assert_eq!(state("SPAGHETTI"), None);
        assert_eq!(state("4588"), None);
    }

    #[test]
    fn vocabulary_is_non_ascii_only() {
        let v = vocabulary();
        assert!(v.contains(&"ABHÖREN") && v.contains(&"活动连接"));
        assert!(v.iter().all(|w| !w.is_ascii()));
    }
}
