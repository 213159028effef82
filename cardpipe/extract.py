"""Field extraction: propose candidates for every field of a card, with their evidence.

    OcrPage -> segments (lines split at `|`, `·`, `•` and wide gaps) -> candidates

This stage *proposes*; `normalize.py` *judges*. Nothing here raises on junk text:
a page of noise yields a `Candidates` with empty tuples. Every candidate carries
an `Evidence` (the OCR line it came from, its box, the label printed next to it,
the OCR confidence and the rule that fired), so a reviewer or a test can see why
a value was proposed.

Phone numbers are found with `phonenumbers.PhoneNumberMatcher`, never with
hand-written patterns; the region for numbers printed without `+` comes from
the card itself (address country, website or e-mail country TLD) before the
configured default.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType
from rapidfuzz import fuzz

from .models import OcrLine, OcrPage, OcrWord

# --------------------------------------------------------------------------
# Candidates and their evidence
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    def x_overlap(self, other: Box) -> int:
        return min(self.right, other.right) - max(self.left, other.left)


@dataclass(frozen=True)
class Evidence:
    """Why a candidate was proposed."""

    line: int  # index of the OcrLine in page.lines
    box: Box
    conf: float  # mean OCR word confidence of the text used, 0..100
    rule: str  # the rule that fired, e.g. "phone:matcher", "address:us-zip"
    label: str | None = None  # the label printed next to the value ("Tel", "Fax", "E-mail"...)


@dataclass(frozen=True)
class Segment:
    """A piece of a line between separators: one column cell or one contact-bar item."""

    index: int  # position in Candidates.segments (reading order)
    line: int  # index of the OcrLine it comes from
    text: str
    words: tuple[OcrWord, ...]
    box: Box
    conf: float  # mean word confidence, 0..100
    height: int  # median word height (font size proxy)


@dataclass(frozen=True)
class EmailCandidate:
    value: str  # after OCR repairs, not yet validated
    raw: str  # as read
    repairs: tuple[str, ...]  # which repairs were applied ("at-sign", "comma-dot", "spaces"...)
    evidence: Evidence


@dataclass(frozen=True)
class UrlCandidate:
    value: str  # host (lowercased) + path, no scheme, no trailing slash
    raw: str
    network: str | None  # "linkedin", "twitter", "instagram" or None for a website
    evidence: Evidence


@dataclass(frozen=True)
class PhoneCandidate:
    raw: str  # as printed (after label-guided digit repairs)
    e164: str
    type: str  # work / mobile / fax / other
    extension: str | None
    valid: bool  # phonenumbers.is_valid_number
    region: str  # region used to read a number printed without `+`
    type_source: str  # "label", "number-type" or "default"
    evidence: Evidence


@dataclass(frozen=True)
class AddressCandidate:
    lines: tuple[str, ...]  # the address lines as printed (labels stripped)
    street: str | None
    city: str | None
    region: str | None
    postcode: str | None
    country: str | None  # ISO 3166-1 alpha-2
    fit: float  # 0..1, how completely the address parsed
    segments: tuple[int, ...]  # Segment.index of each line used
    evidence: Evidence


@dataclass(frozen=True)
class TextCandidate:
    """A free-text segment (no e-mail, phone, URL or address) scored for each role."""

    text: str  # label-stripped text
    segment: int  # Segment.index
    name_score: float  # 0..1
    title_score: float
    company_score: float
    features: tuple[str, ...]  # e.g. ("person-shape", "email-local-match", "title-lexicon")
    evidence: Evidence


@dataclass(frozen=True)
class Candidates:
    """Everything extraction proposes for one card."""

    segments: tuple[Segment, ...]
    emails: tuple[EmailCandidate, ...]
    urls: tuple[UrlCandidate, ...]
    phones: tuple[PhoneCandidate, ...]
    addresses: tuple[AddressCandidate, ...]
    texts: tuple[TextCandidate, ...]
    region: str  # the region used for numbers printed without `+`
    region_source: str  # "address", "tld", "phone-prefix" or "default"
    median_height: float


# --------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------

SEPARATORS = "|¦｜·•●◦▪■◆♦∙⋅‧"
_SEP_WORD_RE = re.compile(rf"^[{re.escape(SEPARATORS)}]+$")
_SEP_INNER_RE = re.compile(rf"\s*[{re.escape(SEPARATORS)}]+\s*")

PHONE_LABELS: dict[str, str] = {}
for _type, _words in {
    "work": (
        "t tel tel. tele telephone telephon phone ph p o off office direct dir d dd ddi work w b bus business "
        "landline main switchboard hq fon fone telefon tél tél. téléphone telephone teléfono telefono telefoon "
        "tlf tfno tf büro bureau zentrale festnetz fixe fijo oficina kantoor ufficio escritório escritorio "
        "tel/fax t/f p/f phone/fax direkt durchwahl ligne"
    ),
    "mobile": (
        "m mob mobile mobil mobiel mobilfunk handy cell cellular c cel cell. móvil movil celular cellulare "
        "cellphone portable port gsm telemóvel telemovel tlm whatsapp iphone mobiele mob.tel"
    ),
    "fax": "f fax telefax télécopie telecopie fac facsimile faks",
    "other": "h home privat private pager toll-free tollfree",
}.items():
    for _w in _words.split():
        PHONE_LABELS[_w] = _type

_ICON_TYPES = {"☎": "work", "✆": "work", "📞": "work", "☏": "work", "📱": "mobile", "📠": "fax"}

EMAIL_LABEL_RE = re.compile(
    r"^(?:e-?mail|email|mail|e|em|courriel|correo|correo electrónico|posta|✉|📧)\s*[:.\-]?\s+", re.I
)
WEB_LABEL_RE = re.compile(r"^(?:w|web|website|www|site|url|internet|homepage|🌐)\s*[:.\-]\s*", re.I)
ADDRESS_LABEL_RE = re.compile(
    r"^(?:a|addr|address|adresse|anschrift|dirección|direccion|adres|indirizzo|endereço|office|📍)\s*[:.\-]\s*",
    re.I,
)

TITLE_CORE = set(
    """
    ceo cto cfo coo cmo cio cpo cso cro cdo chro vp svp evp avp president vice chief officer director manager head lead
    senior sr principal partner founder co-founder cofounder owner engineer developer designer architect consultant
    analyst specialist coordinator associate assistant executive representative rep advisor adviser attorney lawyer
    counsel accountant agent broker realtor scientist researcher professor lecturer teacher physician nurse dentist
    therapist pharmacist editor writer producer photographer chef administrator secretary treasurer chairman
    chairwoman chair chairperson supervisor technician strategist planner recruiter intern trainee apprentice fellow
    ambassador evangelist proprietor stylist tutor coach trainer instructor curator buyer merchandiser controller
    auditor underwriter actuary economist officer manager managing general md gm programmer surveyor paralegal
    solicitor barrister notary pilot captain superintendent dean registrar librarian clerk cashier teller banker
    geschäftsführer geschäftsführerin geschaftsfuhrer geschaftsführer geschäftsfuhrer leiter leiterin
    abteilungsleiter abteilungsleiterin vertriebsleiter vertriebsleiterin berater beraterin inhaber inhaberin vorstand
    vorstandsvorsitzender vorsitzender prokurist prokuristin ingenieur ingenieurin entwickler entwicklerin
    projektleiter projektleiterin referent referentin sachbearbeiter sachbearbeiterin assistent assistentin
    marketingleiter verkaufsleiter kundenbetreuer kundenberater teamleiter teamleiterin gesellschafter
    rechtsanwalt rechtsanwältin steuerberater steuerberaterin architektin architekt managerin direktor direktorin
    leitung mitarbeiter mitarbeiterin gründer gründerin
    directeur directrice gérant gérante président présidente responsable chef ingénieur ingénieure conseiller
    conseillère consultante chargé chargée assistante associé associée fondateur fondatrice cofondateur
    cofondatrice développeur développeuse avocat avocate comptable adjoint adjointe attaché attachée délégué
    déléguée gestionnaire expert experte commercial commerciale
    gerente directora jefe jefa presidenta ingeniero ingeniera asesor asesora consultor consultora coordinador
    coordinadora socio socia fundador fundadora abogado abogada contador contadora ejecutivo ejecutiva
    representante desarrollador desarrolladora diseñador diseñadora analista administrador administradora
    eigenaar adviseur bedrijfsleider medewerker medewerkster verkoper accountmanager projectleider ontwikkelaar
    oprichter hoofd directielid
    direttore direttrice amministratore delegato responsabile ingegnere consulente titolare
    diretor diretora engenheiro engenheira sócio sócia
    """.split()
)
TITLE_DEPT = set(
    """
    of and & the for de des du la le et y e und für fur van voor di del della
    sales marketing engineering operations product products project projects program programs business development
    account accounts customer customers success support service finance financial hr human resources legal it
    research communications relations public creative art technical technology software data security quality
    procurement purchasing logistics supply chain growth brand content digital media global regional national
    international area district team staff key enterprise partnerships strategy innovation design information
    systems commercial affairs investor investment risk compliance administration people talent acquisition
    field client clients export import production manufacturing retail corporate board member members emea apac
    americas north south east west europe asia region new client-side r&d ux ui
    vertrieb verkauf einkauf personal technischer technische kaufmännischer kaufmännische entwicklung
    ventes technique administratif administrative générale général commerciale
    ventas general comercial desarrollo negocios
    verkoop algemeen commercieel
    """.split()
)
# Words that make a line look like a company rather than a person or a title.
COMPANY_WORDS = set(
    """
    group groupe grupo gruppe holdings holding solutions technologies technology tech systems consulting consultants
    partners associates labs lab laboratories studio studios design designs media capital ventures bank insurance
    software digital agency industries international enterprises services logistics networks foods food energy
    pharma pharmaceuticals therapeutics health healthcare clinic hotel hotels restaurant café cafe bakery realty
    properties property law firm architects analytics robotics motors electric works foundation institute
    university school college gesellschaft werke bau beratung handel verlag société conseil soluciones asociados
    sons brothers bros trading company corporation incorporated cloud data dynamics innovations innovation
    marketing communications creative productions construction engineering builders supplies manufacturing
    solar medical dental legal finance financial advisors investments securities trust partners& co-op cooperative
    gmbh ag inc llc ltd
    """.split()
)
# A "&" or "and" in a line is a hint for company names ("Smith & Sons"), not for person names.

_SUFFIX_ALTS = (
    r"inc|incorporated|llc|l\.l\.c|llp|l\.l\.p|lp|ltd|limited|gmbh|mbh|ag|kg|ohg|ug|gbr|e\.\s?k|e\.\s?v|"
    r"s\.\s?a\.\s?s|s\.\s?a\.\s?r\.\s?l|sarl|sas|eurl|sa|s\.\s?a|b\.\s?v|bv|n\.\s?v|nv|pty(?:\.?\s+ltd)?|plc|corp|"
    r"corporation|co|company|s\.\s?l|sl|s\.\s?p\.\s?a|spa|srl|s\.\s?r\.\s?l|lda|ltda|oy|ab|a/s|aps|k\.\s?k|pte|pvt|"
    r"bhd|sdn|vof|v\.o\.f|cv|c\.v|sc|scs|sprl|bvba|kft|s\.\s?c"
)
COMPANY_SUFFIX_RE = re.compile(rf"(?:^|[\s,&])(?:{_SUFFIX_ALTS})\.?(?=$|[\s,)])", re.I)
# The strong ones: seen anywhere in a line they mark a company.
_STRONG_SUFFIX_RE = re.compile(
    r"\b(?:inc|llc|llp|ltd|limited|gmbh|mbh|plc|corp|s\.\s?a\.\s?r\.\s?l|sarl|s\.\s?p\.\s?a|srl|b\.\s?v|n\.\s?v|pty|ltda|lda|"
    r"bvba|sprl|e\.\s?k)\b\.?|\bs\.\s?[al]\.(?=$|[\s,])",
    re.I,
)

NAME_PREFIXES = set(
    "dr dr. prof prof. professor mr mr. mrs mrs. ms ms. mx mx. miss sir dame herr frau mme mme. mlle m. sr. sra. "
    "sra srta dott. dott ing. ing dipl.-ing. dipl.-ing dipl.-kfm. mag. mag univ.-prof. rev rev. hon. hon".split()
)
NAME_SUFFIXES = set(
    "phd ph.d ph.d. md m.d. mba msc m.sc bsc b.sc ba b.a ma m.a cpa cfa esq esq. jr jr. sr sr. ii iii iv rn pe "
    "p.e. dds dmd jd j.d llm ll.m mph frcs faia aia leed ap pmp cissp facs dvm od pharmd edd psyd lcsw cfp "
    "mrics acca aca fca".split()
)
NAME_PARTICLES = set("van von der den de del della di da das dos du la le ten ter te zu vom y bin ibn al el st.".split())

# Common given names across the languages cardpipe reads: a weak hint that a line is a person.
GIVEN_NAMES = set(
    """
    james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark
    donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary
    nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick
    raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy
    walter christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan
    billy bruce gabriel joe logan albert willie alan eugene russell vincent philip bobby johnny bradley mary
    patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley
    kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia
    kathleen amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel
    carolyn janet catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina
    joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn
    janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly isabella theresa
    diana natalie brittany charlotte marie kayla alexis lori jane claire chloe lucy sophie priya raj wei li
    mohammed muhammad ahmed ali fatima aisha omar yusuf hiroshi yuki kenji akira mei chen
    hans klaus jürgen juergen wolfgang stefan andreas thomas michael peter frank markus martin uwe dieter
    günter gunter horst bernd ralf jörg joerg matthias sebastian tobias florian lukas jonas felix maximilian
    alexander tim jan nils lars sven kai dirk heike sabine petra monika ursula andrea claudia susanne birgit
    katrin anja julia lena lea laura anna katharina sandra nicole stefanie christina franziska johanna
    jean pierre michel philippe alain nicolas françois francois frédéric frederic laurent olivier christophe
    sébastien sebastien éric julien antoine thierry pascal stéphane stephane patrick guillaume benoît benoit
    mathieu vincent hugo louis lucas théo theo marie nathalie isabelle sylvie catherine françoise valérie
    valerie sandrine céline celine sophie stéphanie camille léa lea chloé manon émilie emilie aurélie
    josé jose antonio manuel francisco juan javier carlos jesús miguel rafael pedro ángel alejandro fernando
    pablo luis sergio jorge alberto diego andrés raúl ana carmen maría lucía laura cristina marta elena
    isabel pilar rosa sofía paula
    jan pieter hendrik willem johannes cornelis kees joost bas sander bram daan thijs ruben maarten jeroen
    sanne anouk femke lotte eva sanne marieke inge ingrid annemarie
    giuseppe giovanni marco luca andrea francesco alessandro matteo lorenzo paolo roberto stefano giulia
    francesca chiara federica silvia valentina
    joão joao paulo tiago rui nuno ricardo andré andre inês ines beatriz mariana rita
    liam oliver harry george oscar charlie archie leo alfie freddie amelia isla ava mia ivy poppy lily
    rosie emily ella evie sienna ruby olivia jack cooper mason lachlan riley hamish angus bruce sheila
    """.split()
)

US_STATES = set(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR".split()
)
CA_PROVINCES = set("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
AU_STATES = set("NSW VIC QLD WA SA TAS ACT NT".split())

COUNTRY_NAMES = {
    "usa": "US", "u.s.a.": "US", "u.s.a": "US", "us": "US", "u.s.": "US", "united states": "US",
    "united states of america": "US", "uk": "GB", "u.k.": "GB", "united kingdom": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "great britain": "GB", "northern ireland": "GB", "canada": "CA",
    "australia": "AU", "germany": "DE", "deutschland": "DE", "allemagne": "DE", "france": "FR",
    "netherlands": "NL", "the netherlands": "NL", "nederland": "NL", "holland": "NL", "belgium": "BE",
    "belgique": "BE", "belgië": "BE", "switzerland": "CH", "schweiz": "CH", "suisse": "CH", "austria": "AT",
    "österreich": "AT", "spain": "ES", "españa": "ES", "italy": "IT", "italia": "IT", "ireland": "IE",
    "new zealand": "NZ", "portugal": "PT", "luxembourg": "LU", "sweden": "SE", "denmark": "DK",
    "norway": "NO", "mexico": "MX", "méxico": "MX", "brazil": "BR", "brasil": "BR",
}

# Country-code TLDs that are used as generic TLDs and say nothing about the country.
_GENERIC_CCTLDS = {"io", "co", "ai", "me", "tv", "cc", "ws", "fm", "gg", "to", "sh", "ly", "vc", "la", "im", "so", "am", "is"}
COMMON_TLDS = set(
    """
    com org net edu gov mil int info biz io co ai app dev tech studio design agency eu us uk de fr nl be ch at es
    it pt ie au nz ca mx br ar cl jp cn in sg hk kr tw se no dk fi pl cz hu ro gr tr ru za ae il lu li me tv cc
    online site store shop xyz global group law legal health solutions consulting digital media cloud life world
    email one pro name mobi travel works company center email international partners capital ventures
    """.split()
)

_FREEMAIL = {
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "msn.com", "aol.com",
    "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "gmx.com", "web.de",
    "t-online.de", "orange.fr", "free.fr", "laposte.net", "wanadoo.fr", "sfr.fr", "yahoo.co.uk", "btinternet.com",
    "hotmail.co.uk", "bigpond.com", "ziggo.nl", "kpnmail.nl", "libero.it", "yandex.com", "mail.com",
    "zoho.com", "fastmail.com", "hey.com",
}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lowercase ASCII form for comparisons (Müller -> muller)."""
    text = text.replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def registrable_domain(host: str) -> str:
    """acme.com for www.mail.acme.com, acme.co.uk for www.acme.co.uk."""
    parts = [p for p in host.lower().strip(".").split(".") if p]
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in {"co", "com", "org", "net", "ac", "gov", "edu", "or", "ne"}:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def domain_label(host: str) -> str:
    """The name part of a domain: acme-robotics for www.acme-robotics.co.uk."""
    return registrable_domain(host).split(".")[0]


def is_freemail(domain: str) -> bool:
    return registrable_domain(domain) in _FREEMAIL or domain.lower() in _FREEMAIL


def region_for_tld(host: str) -> str | None:
    """DE for acme.de, GB for acme.co.uk; None for .com and generic-use ccTLDs."""
    tld = host.lower().rstrip(".").rsplit(".", 1)[-1]
    if tld == "uk":
        return "GB"
    if len(tld) != 2 or tld in _GENERIC_CCTLDS or tld == "eu":
        return None
    region = tld.upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def similarity(a: str, b: str) -> float:
    """0..1 agreement of two names ignoring case, accents, spaces and punctuation; initials count."""
    fa = re.sub(r"[^a-z0-9]", "", fold(a))
    fb = re.sub(r"[^a-z0-9]", "", fold(b))
    if not fa or not fb:
        return 0.0
    best = fuzz.ratio(fa, fb) / 100
    if min(len(fa), len(fb)) >= 4:
        best = max(best, fuzz.partial_ratio(fa, fb) / 100 * 0.95)
    words = [w for w in re.findall(r"[a-z0-9]+", fold(a)) if w not in {"and", "the", "of"}]
    if len(words) >= 2:
        initials = "".join(w[0] for w in words)
        if initials == fb or (len(fb) >= 2 and fb.startswith(initials)):
            best = max(best, 0.9)
    return best


def _box(words: Sequence[OcrWord]) -> Box:
    return Box(
        min(w.left for w in words),
        min(w.top for w in words),
        max(w.left + w.width for w in words),
        max(w.top + w.height for w in words),
    )


def _conf(words: Sequence[OcrWord]) -> float:
    return sum(w.conf for w in words) / len(words) if words else 0.0


def _evidence(seg: Segment, rule: str, label: str | None = None, conf: float | None = None) -> Evidence:
    return Evidence(seg.line, seg.box, seg.conf if conf is None else conf, rule, label)


def _span_conf(seg: Segment, start: int, end: int) -> float:
    """Mean confidence of the words of a segment that overlap text[start:end]."""
    pos = 0
    confs = []
    for w in seg.words:
        i = seg.text.find(w.text, pos)
        if i < 0:
            continue
        j = i + len(w.text)
        pos = j
        if i < end and j > start:
            confs.append(w.conf)
    return sum(confs) / len(confs) if confs else seg.conf


# --------------------------------------------------------------------------
# Layout: lines -> segments
# --------------------------------------------------------------------------


def _split_word(word: OcrWord) -> list[OcrWord | None]:
    """Split a word at separator characters inside it; None marks a separator."""
    if not re.search(f"[{re.escape(SEPARATORS)}]", word.text):
        return [word]
    pieces = re.split(f"([{re.escape(SEPARATORS)}]+)", word.text)
    out: list[OcrWord | None] = []
    total = max(len(word.text), 1)
    x = word.left
    for p in pieces:
        w = round(word.width * len(p) / total)
        if p and _SEP_WORD_RE.match(p):
            out.append(None)
        elif p:
            out.append(OcrWord(p, word.conf, x, word.top, max(w, 1), word.height))
        x += w
    return out


def _is_label_only(words: Sequence[OcrWord]) -> bool:
    text = " ".join(w.text for w in words).strip().rstrip(":.").lower()
    return bool(text) and (text in PHONE_LABELS or bool(re.fullmatch(r"e-?mail|web|www|tel|fax|mob|mobile", text)))


def segment_page(page: OcrPage) -> tuple[Segment, ...]:
    """Split every line into segments at separators and at wide horizontal gaps.

    A wide gap (more than 2.5 times the line height) means two columns that OCR
    read as one line. A label alone before a gap ("Tel:      555...") stays with
    what follows it.
    """
    segments: list[Segment] = []
    for li, line in enumerate(page.lines):
        words = sorted((w for w in line.words if w.text.strip()), key=lambda w: w.left)
        if not words:
            continue
        has_contact = bool(re.search(r"@|www|\.com|\d{3}", line.text))
        groups: list[list[OcrWord]] = [[]]
        height = max(line.height, 1)
        prev: OcrWord | None = None
        for word in words:
            pieces = _split_word(word)
            for piece in pieces:
                if piece is None or (has_contact and piece.text in {"I", "l", "!", "/"} and len(words) > 2):
                    groups.append([])
                    prev = None
                    continue
                if prev is not None and piece.left - (prev.left + prev.width) > 2.5 * height and groups[-1]:
                    if _is_label_only(groups[-1]):
                        pass
                    else:
                        groups.append([])
                groups[-1].append(piece)
                prev = piece
        for g in groups:
            g = [w for w in g if w.text.strip(" ,;")]
            if not g:
                continue
            text = " ".join(w.text for w in g).strip()
            if not re.search(r"\w", text):
                continue
            hs = sorted(w.height for w in g)
            segments.append(Segment(len(segments), li, text, tuple(g), _box(g), _conf(g), hs[len(hs) // 2]))
    return tuple(segments)


def _lines_of(page: OcrPage) -> Sequence[OcrLine]:
    return page.lines


# --------------------------------------------------------------------------
# E-mails and URLs
# --------------------------------------------------------------------------

_AT_SUBST_RE = re.compile(r"\s*(?:\(at\)|\[at\]|\{at\}|<at>|\(a\)|\(@\)|©|®|\s@\s)\s*", re.I)
_DOT_SUBST_RE = re.compile(r"\s*(?:\(dot\)|\[dot\]|\{dot\}|<dot>|\sdot\s)\s*", re.I)
_EMAIL_RE = re.compile(r"[\w.+'’-]+@[\w-]+(?:\s?[.,]\s?[\w-]+)*[.,][A-Za-z]{2,}", re.UNICODE)
_WORD_AT_RE = re.compile(r"(?<=[\w.])\s+at\s+(?=[\w-]+\s*(?:\.|\bdot\b)\s*[a-z]{2,})", re.I)


def _repair_email_text(text: str) -> tuple[str, list[str]]:
    repairs = []
    t = EMAIL_LABEL_RE.sub("", text.strip())
    if "@" not in t:
        t2 = _AT_SUBST_RE.sub("@", t)
        if t2 == t:
            t2 = _WORD_AT_RE.sub("@", t)
        if t2 == t and re.search(r"\w&[\w-]+\.[a-z]{2,}", t):
            t2 = re.sub(r"(?<=\w)&(?=[\w-]+\.[a-z]{2,})", "@", t)
        if t2 != t:
            repairs.append("at-sign")
            t = t2
    if "@" in t:
        t2 = _DOT_SUBST_RE.sub(".", t)
        if t2 != t:
            repairs.append("dot-word")
            t = t2
        # spaces around @ and dots inside the address
        t2 = re.sub(r"\s*@\s*", "@", t)
        t2 = re.sub(r"(?<=[\w-])\s*\.\s+(?=[\w-])|(?<=[\w-])\s+\.\s*(?=[\w-])", ".", t2)
        if t2 != t:
            repairs.append("spaces")
            t = t2
    return t, repairs


def _find_emails(seg: Segment) -> list[tuple[EmailCandidate, tuple[int, int]]]:
    text, repairs = _repair_email_text(seg.text)
    out = []
    for m in _EMAIL_RE.finditer(text):
        raw = m.group(0)
        value = raw.strip(".,'’-")
        reps = list(repairs)
        v2 = re.sub(r"\s+", "", value)
        if v2 != value:
            reps.append("spaces")
            value = v2
        local, _, domain = value.partition("@")
        if "," in domain:
            domain = domain.replace(",", ".")
            reps.append("comma-dot")
        domain = re.sub(r"\.{2,}", ".", domain)
        value = f"{local}@{domain}"
        out.append(
            (
                EmailCandidate(value, raw, tuple(dict.fromkeys(reps)), _evidence(seg, "email:pattern")),
                (m.start(), m.end()),
            )
        )
    return out


_TLD_ALT = "|".join(sorted(COMMON_TLDS, key=len, reverse=True))
_URL_RE = re.compile(
    r"(?<![@\w.-])"
    r"(?P<scheme>(?:https?|hxxp)\s?[:;]\s?//\s?)?"
    r"(?P<host>(?:www\d?\s?[.,]\s?)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\s?[.,]\s?)+"
    r"(?:[a-z]{2,24}))"
    r"(?P<path>/[^\s|,;]*)?",
    re.I,
)
_SOCIAL = (
    ("linkedin", re.compile(r"linked\s?in\.com/(?:in|pub|company)/[\w%.-]+", re.I)),
    ("twitter", re.compile(r"(?:twitter|x)\.com/@?\w+", re.I)),
    ("instagram", re.compile(r"instagram\.com/[\w.]+", re.I)),
)
_SOCIAL_LABELS = {
    "linkedin": "linkedin", "in": "linkedin", "li": "linkedin", "twitter": "twitter", "x": "twitter",
    "tw": "twitter", "instagram": "instagram", "insta": "instagram", "ig": "instagram",
}
_HANDLE_RE = re.compile(r"^(?P<label>linkedin|in|li|twitter|x|tw|instagram|insta|ig)\s*[:.\-]?\s*(?P<handle>@?[\w.-]{2,}|in/[\w-]+)$", re.I)


def _find_urls(seg: Segment, text: str) -> list[tuple[UrlCandidate, tuple[int, int]]]:
    out = []
    t = WEB_LABEL_RE.sub(lambda m: " " * len(m.group(0)), text) if not text.lower().startswith("www.") else text
    for m in _URL_RE.finditer(t):
        host_raw = m.group("host")
        host = re.sub(r"\s", "", host_raw).replace(",", ".").lower()
        host = re.sub(r"^www\d?\.", lambda x: x.group(0), host)
        labels = host.split(".")
        tld = labels[-1]
        explicit = bool(m.group("scheme")) or host.startswith("www")
        if len(labels) < 2 or any(not p for p in labels):
            continue
        if not explicit:
            # A bare domain: the TLD must be a known one, and the text must not be a word with a dot ("Inc.com"?).
            if tld not in COMMON_TLDS:
                continue
            if "," in host_raw or " " in host_raw:
                continue
            if len(labels[-2]) < 2:
                continue
        if tld not in COMMON_TLDS and len(tld) > 3 and not explicit:
            continue
        path = (m.group("path") or "").rstrip("/.)")
        value = host + path
        network = None
        for net, rx in _SOCIAL:
            if rx.search(value):
                network = net
                value = rx.search(value).group(0).replace(" ", "")
                value = re.sub(r"^linked\s?in", "linkedin", value, flags=re.I).lower()
                break
        if network is None and host.split(".")[-2] in {"linkedin", "twitter", "instagram", "facebook"}:
            network = host.split(".")[-2]
            if network == "facebook":
                continue
        if network is None and host.split(".")[-2:] == ["x", "com"] and path:
            network = "twitter"
        out.append(
            (
                UrlCandidate(value, m.group(0), network, _evidence(seg, "url:" + ("explicit" if explicit else "bare"),
                                                                   conf=_span_conf(seg, m.start(), m.end()))),
                (m.start(), m.end()),
            )
        )
    if not out:
        hm = _HANDLE_RE.match(text.strip())
        if hm:
            net = _SOCIAL_LABELS[hm.group("label").lower()]
            handle = hm.group("handle")
            if net == "linkedin":
                value = "linkedin.com/" + handle.lstrip("@") if handle.startswith("in/") else "linkedin.com/in/" + handle.lstrip("@")
            else:
                value = handle if handle.startswith("@") else "@" + handle
            out.append((UrlCandidate(value, text, net, _evidence(seg, "social:handle", label=hm.group("label"))), (0, len(text))))
    return out


# --------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------

_LABEL_TOKEN_RE = re.compile(r"([^\W\d_][\w./-]*|[☎✆📞☏📱📠])\W*$", re.UNICODE)
_DIGITISH_RE = re.compile(r"[\dOoIl|]{2,}[\dOoIl|\s().-]*")


def _label_before(text: str) -> str | None:
    """The label at the end of `text` ("Tel:", "M.", "Fax") if it is a phone label."""
    t = text.strip().rstrip(":.-–—=> ").strip()
    if not t:
        return None
    if t[-1] in _ICON_TYPES:
        return t[-1]
    m = re.search(r"([^\W\d_][\w./-]*)$", t)
    if not m:
        return None
    word = m.group(1).lower().rstrip(".")
    if word in PHONE_LABELS or word + "." in PHONE_LABELS:
        return m.group(1)
    # "Mob. Tel" / "Tel. Mobil": try the last two words
    m2 = re.search(r"([^\W\d_][\w.]*)\W+([^\W\d_][\w.]*)$", t)
    if m2:
        w1 = m2.group(1).lower().rstrip(".")
        if w1 in PHONE_LABELS:
            return m2.group(1)
    return None


def _label_after(text: str) -> str | None:
    m = re.match(r"\s*[(\[]\s*([^\W\d_]+)\.?\s*[)\]]", text)
    if m and m.group(1).lower() in PHONE_LABELS:
        return m.group(1)
    m = re.match(r"\s*[-–(]?\s*(mobile|mobil|cell|fax|office|direct|work|home|handy|portable|móvil)\b", text, re.I)
    return m.group(1) if m else None


def _label_type(label: str | None) -> str | None:
    if not label:
        return None
    if label in _ICON_TYPES:
        return _ICON_TYPES[label]
    key = label.lower()
    return PHONE_LABELS.get(key) or PHONE_LABELS.get(key.rstrip("."))


def _repair_digits(text: str) -> str:
    """O -> 0 and l/I/| -> 1 inside runs that are mostly digits (used only after a phone label)."""

    def fix(m: re.Match[str]) -> str:
        s = m.group(0)
        core = re.sub(r"[\s().-]", "", s)
        digits = sum(c.isdigit() for c in core)
        if core and digits / len(core) >= 0.6 and digits >= 3:
            return s.translate(str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"}))
        return s

    return _DIGITISH_RE.sub(fix, text)


def _strip_leading_label(text: str) -> tuple[str, str | None]:
    m = re.match(r"\s*([^\W\d_][\w./-]*|[☎✆📞☏📱📠])\s*[:.]?\s*(?=[+(\d])", text)
    if m:
        word = m.group(1)
        if _label_type(word.rstrip(".:")) or word in _ICON_TYPES:
            return text, word
    return text, None


def _phones_in(seg: Segment, text: str, region: str, blocked: Sequence[tuple[int, int]]) -> list[PhoneCandidate]:
    out: list[PhoneCandidate] = []
    _, lead_label = _strip_leading_label(text)
    work = _repair_digits(text) if lead_label else text
    matches = list(PhoneNumberMatcher(work, region, leniency=Leniency.VALID))
    rule = "phone:matcher"
    if not matches and lead_label:
        matches = [
            m
            for m in PhoneNumberMatcher(work, region, leniency=Leniency.POSSIBLE)
            if len(phonenumbers.national_significant_number(m.number)) >= 6
        ]
        rule = "phone:matcher-possible"
    prev_end = 0
    for i, m in enumerate(matches):
        if any(m.start < b and m.end > a for a, b in blocked):
            continue
        next_start = matches[i + 1].start if i + 1 < len(matches) else len(work)
        label = _label_before(work[prev_end : m.start]) or _label_after(work[m.end : next_start])
        if label is None and i > 0 and not work[prev_end : m.start].strip(" /,;-"):
            label = None  # "555-1234 / 555-5678": a second number with no label of its own
        prev_end = m.end
        num = m.number
        ptype = _label_type(label)
        type_source = "label" if ptype else "number-type"
        if ptype is None:
            nt = phonenumbers.number_type(num)
            if nt == PhoneNumberType.MOBILE:
                ptype = "mobile"
            elif nt in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.TOLL_FREE,
                        PhoneNumberType.VOIP, PhoneNumberType.UAN, PhoneNumberType.SHARED_COST):
                ptype = "work"
            else:
                ptype, type_source = "work", "default"
        e164 = phonenumbers.format_number(num, PhoneNumberFormat.E164)
        raw = m.raw_string.strip()
        out.append(
            PhoneCandidate(
                raw=raw,
                e164=e164,
                type=ptype,
                extension=num.extension or None,
                valid=phonenumbers.is_valid_number(num),
                region=region,
                type_source=type_source,
                evidence=_evidence(seg, rule, label=label, conf=_span_conf(seg, m.start, m.end)),
            )
        )
    return out


# --------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------

_CITY = r"(?P<city>[^\W\d_][\w'’.\- ]*?)"
_POSTCODE_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "CA",
        "address:ca-postcode",
        re.compile(
            rf"(?:{_CITY}\s*,?\s+)?(?P<region>AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT|Ontario|Quebec|Québec|British Columbia|Alberta)\.?\s*,?\s+"
            r"(?P<postcode>[ABCEGHJ-NPRSTVXY][0-9O][A-Z]\s?[0-9O][A-Z][0-9O])\b"
        ),
    ),
    (
        "US",
        "address:us-zip",
        re.compile(rf"(?:{_CITY}\s*,?\s+)?(?P<region>[A-Z]{{2}})\.?\s*,?\s+(?P<postcode>\d{{5}}(?:[-–]\d{{4}})?)\b"),
    ),
    (
        "AU",
        "address:au-postcode",
        re.compile(rf"(?:{_CITY}\s*,?\s+)?(?P<region>NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s*,?\s+(?P<postcode>\d{{4}})\b"),
    ),
    (
        "GB",
        "address:uk-postcode",
        re.compile(rf"(?:{_CITY}\s*,?\s+)?(?P<postcode>(?:[A-Z]{{1,2}}[0-9][A-Z0-9]?|GIR)\s?[0-9][ABD-HJLNP-UW-Z]{{2}})\b"),
    ),
    (
        "NL",
        "address:nl-postcode",
        re.compile(r"(?P<postcode>[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2})\s+(?P<city>[^\W\d_][\w'’.\- ]*)$"),
    ),
    (
        "DEFR",
        "address:5-digit-postcode",
        re.compile(
            r"(?:(?P<cc>D|F|DE|FR)\s?[-–]\s?)?(?P<postcode>\d{5})\s+(?P<city>[^\W\d_][\w'’.\- ]*?)(?P<cedex>\s+CEDEX(?:\s+\d{1,2})?)?\s*$",
            re.I,
        ),
    ),
)
_STREET_WORDS_RE = re.compile(
    r"\b(street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|place|pl|square|sq|"
    r"parkway|pkwy|highway|hwy|terrace|crescent|close|row|suite|ste|floor|fl|level|unit|building|bldg|box|po|"
    r"p\.o\.|house|park|broadway|plaza|circle|trail|"
    r"straße|strasse|str|weg|platz|allee|gasse|ring|damm|ufer|chaussee|markt|"
    r"rue|bd|boulevard|allée|quai|chemin|impasse|cours|route|"
    r"straat|laan|plein|gracht|kade|singel|dijk|steeg|"
    r"calle|avenida|plaza|paseo|via|viale|piazza|rua)\b\.?|straße|strasse|str\.|weg\b|straat|laan\b|gracht",
    re.I,
)
_DE_STREET_RE = re.compile(r"(straße|strasse|str\.|weg\b|platz\b|allee\b|gasse\b|damm\b|ring\b)", re.I)
_FR_STREET_RE = re.compile(r"\b(rue|avenue|bd|boulevard|allée|quai|chemin|impasse|place|cours)\b|cedex", re.I)


def _country_of_line(text: str) -> str | None:
    t = text.strip().strip(".,").lower()
    return COUNTRY_NAMES.get(t)


def _split_country_suffix(text: str) -> tuple[str, str | None]:
    """'Berlin, Germany' -> ('Berlin', 'DE')."""
    m = re.search(r"[,\s]+([^\W\d_][\w. ]+?)\.?$", text)
    if m:
        for k in range(len(text.split()), 0, -1):
            tail = " ".join(text.split()[-k:]).strip(",. ")
            cc = COUNTRY_NAMES.get(tail.lower())
            if cc and len(tail) > 2 or (cc and tail.isupper() and k == 1 and tail.lower() in {"usa", "uk"}):
                head = " ".join(text.split()[:-k]).rstrip(", ")
                return head, cc
    return text, None


def _street_like(text: str) -> bool:
    if _STREET_WORDS_RE.search(text):
        return True
    return bool(re.match(r"^\d{1,5}[a-z]?\s+[^\W\d_]", text, re.I) or re.search(r"[^\W\d_]{3,}\s+\d{1,4}[a-z]?\b", text))


def _parse_postcode_line(text: str, hints: dict[str, str | None]) -> tuple[str, str, dict[str, str | None]] | None:
    """Find a postcode line; return (country, rule, parts) with city/region/postcode/street-prefix."""
    body, country_suffix = _split_country_suffix(text)
    for country, rule, rx in _POSTCODE_RULES:
        # Search in the last comma part first, then the whole text.
        for m in rx.finditer(body):
            gd = m.groupdict()
            if country == "US" and gd["region"] not in US_STATES:
                continue
            if country == "AU" and country_suffix not in (None, "AU") and hints.get("country") != "AU":
                pass
            if country == "GB":
                # the postcode must end the text (or precede a country) and the city must not be a street
                if body[m.end() :].strip(" ,."):
                    continue
            if country == "NL" and gd.get("city") and _STREET_WORDS_RE.fullmatch(gd["city"].split()[0] or ""):
                continue
            if country == "DEFR":
                cc = (gd.get("cc") or "").upper()
                if cc in ("D", "DE"):
                    country = "DE"
                elif cc in ("F", "FR") or gd.get("cedex"):
                    country = "FR"
                elif country_suffix in ("DE", "FR", "AT", "CH", "ES", "IT"):
                    country = country_suffix
                else:
                    country = hints.get("defr") or "DE"
                if m.start() > 0 and body[: m.start()].strip() and not body[: m.start()].rstrip().endswith(","):
                    # "Hauptstraße 5 10115 Berlin" is fine, "Suite 10115 Berlin" is odd; keep only if the prefix is a street
                    if not _street_like(body[: m.start()]):
                        continue
            prefix = body[: m.start()].strip(" ,")
            city = (gd.get("city") or "").strip(" ,.") or None
            if city and "," in city:
                before, _, city = city.rpartition(",")
                prefix = (prefix + " " + before).strip(" ,")
                city = city.strip() or None
            if city and country in ("US", "CA", "AU") and prefix == "" and _street_like(city) and re.search(r"\d", city):
                prefix, city = city, None
            region = gd.get("region")
            postcode = gd["postcode"].replace("–", "-")
            if country == "CA":
                pc = postcode.replace(" ", "").upper().replace("O", "0")
                pc = pc[0] + pc[1].replace("0", "0") + pc[2] + pc[3:]
                postcode = pc[:3] + " " + pc[3:]
            if country == "GB" and " " not in postcode:
                postcode = postcode[:-3] + " " + postcode[-3:]
            if country == "NL" and " " not in postcode:
                postcode = postcode[:4] + " " + postcode[4:]
            if country_suffix and country not in ("DEFR",) and country_suffix != country and country in ("US", "AU"):
                # "NSW 2000, Australia" fine; "WA 98101, USA" fine; mismatch -> trust the printed country
                country = country_suffix
            return country, rule, {
                "city": city,
                "region": region,
                "postcode": postcode,
                "prefix": prefix or None,
                "country_printed": country_suffix,
            }
    return None


# --------------------------------------------------------------------------
# Free text: name, title, company scores
# --------------------------------------------------------------------------

_PERSON_TOKEN_RE = re.compile(r"^[^\W\d_][^\W\d_'’.\-]*(?:['’\-][^\W\d_]+)*\.?$")


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,]+", text) if t]


def person_tokens(text: str) -> tuple[list[str], list[str], list[str]] | None:
    """(prefixes, core name tokens, suffixes) if the text is shaped like a person's name, else None."""
    main, _, after = text.partition(",")
    toks = _tokens(main)
    suffixes = [t for t in _tokens(after)]
    prefixes = []
    while toks and fold(toks[0]) in NAME_PREFIXES:
        prefixes.append(toks.pop(0))
    while toks and fold(toks[-1]).rstrip(".") in NAME_SUFFIXES | {s.rstrip(".") for s in NAME_SUFFIXES}:
        suffixes.insert(0, toks.pop())
    if after and not all(fold(s).strip(".") in {x.rstrip(".") for x in NAME_SUFFIXES} for s in suffixes):
        return None
    if not 2 <= len(toks) <= 5:
        return None
    core = 0
    for i, t in enumerate(toks):
        if fold(t) in NAME_PARTICLES and 0 < i < len(toks) - 1:
            continue
        if not _PERSON_TOKEN_RE.match(t):
            return None
        letters = re.sub(r"[^\w]", "", t)
        if len(letters) == 1 and t.endswith("."):  # middle initial
            continue
        if not (t[0].isupper() or t.isupper()):
            return None
        if len(letters) < 2 or not re.search(r"[aeiouyäöüàâéèêëïîôûùÿáíóúåæøAEIOUYÄÖÜÀÂÉÈÊËÏÎÔÛÙÁÍÓÚ]", letters):
            return None
        core += 1
    if core < 2:
        return None
    return prefixes, toks, suffixes


def _email_local_match(tokens: Sequence[str], locals_: Sequence[str]) -> float:
    if not locals_:
        return 0.0
    words = [re.sub(r"[^a-z]", "", fold(t)) for t in tokens]
    words = [w for w in words if len(w) >= 2]
    if len(words) < 2:
        return 0.0
    given, family = words[0], words[-1]
    best = 0.0
    for loc in locals_:
        lo = re.sub(r"[^a-z]", "", fold(loc))
        if not lo:
            continue
        forms = {given + family, family + given, given[0] + family, given + family[0], family + given[0], family}
        if lo in forms or lo == "".join(words):
            best = max(best, 1.0 if lo != family else 0.85)
        elif lo == given and len(given) >= 3:
            best = max(best, 0.7)
        elif len(family) >= 4 and family in lo:
            best = max(best, 0.8)
        else:
            best = max(best, fuzz.ratio(lo, given + family) / 100 * 0.8 if len(lo) > 4 else 0.0)
    return best


def _title_score(text: str) -> tuple[float, bool]:
    """(score, has a core title word)."""
    toks = [fold(t).strip(".,:;()") for t in re.split(r"[\s/,]+", text) if t.strip(".,:;()")]
    if not toks:
        return 0.0, False
    core_set = {fold(w) for w in TITLE_CORE}
    core = sum(1 for t in toks if t in core_set or (len(t) > 4 and t.removesuffix("s") in core_set))
    dept = sum(1 for t in toks if t in TITLE_DEPT)
    if core == 0:
        return (0.25 if dept == len(toks) and dept > 0 else 0.0), False
    known = (core + dept) / len(toks)
    return min(1.0, 0.5 + 0.5 * known), True


def _company_score(text: str, domains: Sequence[str]) -> tuple[float, list[str]]:
    feats = []
    score = 0.0
    if _STRONG_SUFFIX_RE.search(text) or re.search(rf"(?:^|\s)(?:{_SUFFIX_ALTS})\.?$", text, re.I):
        score += 0.6
        feats.append("company-suffix")
    words = {fold(t).strip(".,:;()&") for t in text.split()}
    if words & COMPANY_WORDS:
        score += 0.3
        feats.append("company-word")
    if "&" in text or " and " in f" {text.lower()} ":
        score += 0.1
        feats.append("ampersand")
    best = 0.0
    for d in domains:
        label = domain_label(d)
        core = COMPANY_SUFFIX_RE.sub(" ", text)
        best = max(best, similarity(core, label), similarity(text, label))
    if best >= 0.8:
        score += 0.6 * best
        feats.append("domain-match")
    elif best >= 0.6:
        score += 0.2
        feats.append("domain-partial")
    return min(score, 1.0), feats


# --------------------------------------------------------------------------
# The whole page
# --------------------------------------------------------------------------


def _guess_region(segments: Sequence[Segment], hosts: Iterable[str], default: str) -> tuple[str, str, str | None]:
    """(region, source, DE/FR hint) for numbers printed without +."""
    text = "\n".join(s.text for s in segments)
    # a printed country name
    for s in segments:
        cc = _country_of_line(s.text) or _split_country_suffix(s.text)[1]
        if cc and cc in phonenumbers.SUPPORTED_REGIONS:
            return cc, "address", cc
    hint: str | None = None
    if _DE_STREET_RE.search(text):
        hint = "DE"
    elif _FR_STREET_RE.search(text):
        hint = "FR"
    for h in hosts:
        r = region_for_tld(h)
        if r:
            return r, "tld", hint or (r if r in ("DE", "FR", "AT", "CH") else None)
    codes = [phonenumbers.region_code_for_country_code(int(c)) for c in re.findall(r"\+\s?(\d{1,3})\b", text)]
    codes = [c for c in codes if c and c != "ZZ"]
    if codes:
        c = max(set(codes), key=codes.count)
        return c, "phone-prefix", hint or (c if c in ("DE", "FR") else None)
    return default, "default", hint


def _neighbours_above(seg: Segment, segments: Sequence[Segment], used: set[int]) -> list[Segment]:
    """Segments right above `seg` in the same column, nearest first (at most 3)."""
    out: list[Segment] = []
    cur = seg
    for _ in range(3):
        best = None
        for s in segments:
            if s.index in used or s.index == cur.index or s.index in {o.index for o in out}:
                continue
            if s.box.bottom > cur.box.top + 0.5 * cur.height:
                continue
            if s.box.x_overlap(cur.box) <= 0:
                continue
            gap = cur.box.top - s.box.bottom
            if gap > 2.2 * max(cur.height, s.height):
                continue
            if best is None or s.box.bottom > best.box.bottom:
                best = s
        if best is None:
            break
        out.append(best)
        cur = best
    return out


def _neighbour_below(seg: Segment, segments: Sequence[Segment], max_gap: float = 1.6) -> Segment | None:
    best = None
    for s in segments:
        if s.index == seg.index or s.box.top < seg.box.bottom - 0.5 * seg.height:
            continue
        if s.box.x_overlap(seg.box) <= 0:
            continue
        gap = s.box.top - seg.box.bottom
        if gap > max_gap * max(seg.height, s.height):
            continue
        if best is None or s.box.top < best.box.top:
            best = s
    return best


def neighbour_below(seg: Segment, segments: Sequence[Segment], max_gap: float = 1.6) -> Segment | None:
    """The segment right under `seg` in the same column, if the gap is small."""
    return _neighbour_below(seg, segments, max_gap)


def _addresses(
    segments: Sequence[Segment], contact: set[int], hints: dict[str, str | None]
) -> list[AddressCandidate]:
    out: list[AddressCandidate] = []
    used: set[int] = set()
    for seg in segments:
        if seg.index in contact or seg.index in used:
            continue
        text = ADDRESS_LABEL_RE.sub("", seg.text).strip()
        parsed = _parse_postcode_line(text, hints)
        if not parsed:
            continue
        country, rule, parts = parsed
        lines = [text]
        idx = [seg.index]
        street_parts: list[str] = []
        if parts["prefix"]:
            street_parts.append(parts["prefix"])
        city = parts["city"]
        # lines above: street (and, for UK, a lone city line above the postcode)
        above = _neighbours_above(seg, segments, used | contact)
        for k, s in enumerate(above):
            t = ADDRESS_LABEL_RE.sub("", s.text).strip()
            if country == "GB" and city is None and k == 0 and not re.search(r"\d", t) and len(t.split()) <= 3:
                city = t.strip(" ,")
                lines.insert(0, t)
                idx.insert(0, s.index)
                continue
            if _street_like(t) and not person_tokens(t):
                lines.insert(0, t)
                idx.insert(0, s.index)
                street_parts.insert(0, t.strip(" ,"))
            else:
                break
        # a country line below
        below = _neighbour_below(seg, segments)
        printed = parts["country_printed"]
        if below is not None and below.index not in contact:
            cc = _country_of_line(below.text)
            if cc:
                lines.append(below.text.strip())
                idx.append(below.index)
                printed = cc
                if country in ("DEFR",):
                    country = cc
        if printed and country != printed and rule in ("address:5-digit-postcode", "address:nl-postcode"):
            country = printed
        has_street = bool(street_parts)
        fit = 0.55 + (0.25 if has_street else 0) + (0.1 if city else 0) + (0.1 if printed or country else 0)
        used.update(idx)
        out.append(
            AddressCandidate(
                lines=tuple(lines),
                street=", ".join(street_parts) or None,
                city=city,
                region=parts["region"],
                postcode=parts["postcode"],
                country=country,
                fit=min(fit, 1.0),
                segments=tuple(idx),
                evidence=Evidence(seg.line, seg.box, min(s.conf for s in segments if s.index in idx), rule),
            )
        )
    # A street line with no postcode anywhere: still an address, weakly.
    if not out:
        for seg in segments:
            if seg.index in contact:
                continue
            text = ADDRESS_LABEL_RE.sub("", seg.text).strip()
            if re.match(r"^\d{1,5}[a-z]?\s+[^\W\d_].*\b(street|st|avenue|ave|road|rd|boulevard|blvd|lane|drive|way)\b", text, re.I):
                out.append(
                    AddressCandidate((text,), text, None, None, None, None, 0.4, (seg.index,), _evidence(seg, "address:street-only"))
                )
                break
    return out


def propose(page: OcrPage, *, region: str = "US") -> Candidates:
    """Every candidate value on the card, with evidence. Never raises on junk text."""
    segments = segment_page(page)
    emails: list[EmailCandidate] = []
    urls: list[UrlCandidate] = []
    blocked: dict[int, list[tuple[int, int]]] = {}
    contact: set[int] = set()

    for seg in segments:
        found = _find_emails(seg)
        spans = []
        for cand, _span in found:
            emails.append(cand)
            contact.add(seg.index)
        # blank out e-mails (in the original text) before looking for URLs and numbers
        text = seg.text
        for cand, _ in found:
            i = text.find(cand.raw)
            if i >= 0:
                spans.append((i, i + len(cand.raw)))
        masked = text
        for a, b in spans:
            masked = masked[:a] + " " * (b - a) + masked[b:]
        if "@" in masked and found:
            masked = re.sub(r"\S*@\S*", lambda m: " " * len(m.group(0)), masked)
        for cand, span in _find_urls(seg, masked):
            urls.append(cand)
            spans.append(span)
            contact.add(seg.index)
        blocked[seg.index] = spans

    hosts = [u.value.split("/")[0] for u in urls if u.network is None] + [e.value.rpartition("@")[2] for e in emails]
    card_region, region_source, defr = _guess_region(segments, hosts, region)

    hints: dict[str, str | None] = {"defr": defr, "country": card_region if region_source != "default" else None}
    addresses = _addresses(segments, contact, hints)
    if addresses and addresses[0].country and addresses[0].country in phonenumbers.SUPPORTED_REGIONS:
        if region_source in ("default", "tld", "phone-prefix"):
            card_region, region_source = addresses[0].country, "address"
    address_segs = {i for a in addresses for i in a.segments}

    phones: list[PhoneCandidate] = []
    postcodes = {re.sub(r"\D", "", a.postcode or "") for a in addresses}
    for seg in segments:
        if seg.index in address_segs and not re.search(r"(?i)\b(tel|phone|fax|mob|t|m|f)\b", seg.text):
            continue
        for p in _phones_in(seg, seg.text, card_region, blocked.get(seg.index, [])):
            digits = re.sub(r"\D", "", p.raw)
            if p.evidence.label is None and any(pc and pc in digits and len(digits) - len(pc) < 4 for pc in postcodes):
                continue
            phones.append(p)
            contact.add(seg.index)
    # dedupe phones on (e164, extension), keeping the first (labelled one wins)
    seen: dict[tuple[str, str | None], PhoneCandidate] = {}
    for p in phones:
        key = (p.e164, p.extension)
        if key not in seen or (seen[key].type_source != "label" and p.type_source == "label"):
            seen[key] = p
    phones = list(seen.values())

    # Free text
    domains = [h for h in hosts if not is_freemail(h)]
    locals_ = [e.value.partition("@")[0] for e in emails]
    free = [s for s in segments if s.index not in contact and s.index not in address_segs]
    heights = [s.height for s in segments] or [1]
    median_h = statistics.median(heights)
    texts: list[TextCandidate] = []
    tops = sorted({s.box.top for s in free})
    for seg in free:
        text = seg.text.strip(" ,;:-–")
        if not re.search(r"[^\W\d_]{2,}", text):
            continue
        if _country_of_line(text):
            continue
        feats: list[str] = []
        rel_h = seg.height / median_h if median_h else 1.0
        rank = tops.index(seg.box.top) if seg.box.top in tops else len(tops)
        # name
        name_score = 0.0
        pt = person_tokens(text)
        title_score, title_core = _title_score(text)
        company_score, cfeats = _company_score(text, domains)
        feats += cfeats
        if title_core:
            feats.append("title-lexicon")
        if pt:
            _, core, _ = pt
            feats.append("person-shape")
            name_score = 0.45
            lm = _email_local_match(core, locals_)
            if lm >= 0.7:
                feats.append("email-local-match")
                name_score += 0.4 * lm
            if fold(core[0]).strip(".") in GIVEN_NAMES:
                feats.append("given-name")
                name_score += 0.15
            if rel_h >= 1.25:
                name_score += 0.15
                feats.append("large")
            if rank <= 1:
                name_score += 0.05
            if title_core:
                name_score -= 0.45
            if "company-suffix" in cfeats:
                name_score -= 0.6
            elif "domain-match" in cfeats and "email-local-match" not in feats:
                name_score -= 0.35
            elif "company-word" in cfeats:
                name_score -= 0.3
            if seg.conf < 50:
                name_score -= 0.2
        if rel_h >= 1.25 and not pt:
            company_score += 0.1
        if not title_core and rel_h >= 1.1 and rank <= 1 and not pt:
            company_score += 0.1
        texts.append(
            TextCandidate(
                text=text,
                segment=seg.index,
                name_score=max(0.0, min(name_score, 1.0)),
                title_score=title_score,
                company_score=max(0.0, min(company_score, 1.0)),
                features=tuple(feats),
                evidence=_evidence(seg, "text:free"),
            )
        )

    return Candidates(
        segments=segments,
        emails=tuple(emails),
        urls=tuple(urls),
        phones=tuple(phones),
        addresses=tuple(addresses),
        texts=tuple(texts),
        region=card_region,
        region_source=region_source,
        median_height=float(median_h),
    )
