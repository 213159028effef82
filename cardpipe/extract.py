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

import functools
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType
from rapidfuzz import fuzz

from .models import OcrPage, OcrWord

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
    span: tuple[int, int] = (0, 0)  # where the number is in the segment's text


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
    directeur directrice gérant gérante président présidente responsable chef cheffe ingénieur ingénieure conseiller
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
    americas north south east west europe asia region new client-side r&d ux ui regulatory clinical medical
    scientific
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
NAME_PARTICLES = set(
    "van von der den de del della di da das dos du la le ten ter te zu vom y bin ibn al el st.".split()
)

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

# fmt: off
COUNTRY_NAMES = {
    "usa": "US", "u.s.a.": "US", "u.s.a": "US", "us": "US", "u.s.": "US", "united states": "US",
    "united states of america": "US", "uk": "GB", "u.k.": "GB", "united kingdom": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "great britain": "GB", "northern ireland": "GB", "canada": "CA",
    "australia": "AU", "germany": "DE", "deutschland": "DE", "allemagne": "DE", "france": "FR",
    "netherlands": "NL", "the netherlands": "NL", "nederland": "NL", "holland": "NL", "belgium": "BE",
    "belgique": "BE", "belgië": "BE", "switzerland": "CH", "schweiz": "CH", "suisse": "CH", "austria": "AT",
    "österreich": "AT", "spain": "ES", "españa": "ES", "italy": "IT", "italia": "IT", "ireland": "IE",
    "new zealand": "NZ", "portugal": "PT", "luxembourg": "LU", "sweden": "SE", "denmark": "DK", "norway": "NO",
    "mexico": "MX", "méxico": "MX", "brazil": "BR", "brasil": "BR",
}
# fmt: on

# Country-code TLDs that are used as generic TLDs and say nothing about the country.
_GENERIC_CCTLDS = set("io co ai me tv cc ws fm gg to sh ly vc la im so am is".split())
COMMON_TLDS = set(
    """
    com org net edu gov mil int info biz io co ai app dev tech studio design agency eu us uk de fr nl be ch at es
    it pt ie au nz ca mx br ar cl jp cn in sg hk kr tw se no dk fi pl cz hu ro gr tr ru za ae il lu li me tv cc
    online site store shop xyz global group law legal health solutions consulting digital media cloud life world
    email one pro name mobi travel works company center email international partners capital ventures
    """.split()
)

_FREEMAIL = set(
    """
    gmail.com googlemail.com yahoo.com hotmail.com outlook.com live.com msn.com aol.com icloud.com
    me.com mac.com proton.me protonmail.com gmx.de gmx.net gmx.com web.de t-online.de orange.fr free.fr
    laposte.net wanadoo.fr sfr.fr yahoo.co.uk btinternet.com hotmail.co.uk bigpond.com ziggo.nl
    kpnmail.nl libero.it yandex.com mail.com zoho.com fastmail.com hey.com
    """.split()
)


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lowercase ASCII form for comparisons (Müller -> muller)."""
    text = text.replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def registrable_domain(host: str) -> str:
    """acme.com for www.mail.acme.com, acme.co.uk for www.acme.co.uk."""
    parts = [p for p in host.lower().strip(".").split(".") if p]
    if (
        len(parts) >= 3
        and len(parts[-1]) == 2
        and parts[-2] in {"co", "com", "org", "net", "ac", "gov", "edu", "or", "ne"}
    ):
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


def _span_conf(seg: Segment, start: int, end: int, *, worst: bool = False) -> float:
    """Mean (or lowest) confidence of the words of a segment that overlap text[start:end]."""
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
    if not confs:
        return seg.conf
    return min(confs) if worst else sum(confs) / len(confs)


# --------------------------------------------------------------------------
# Layout: lines -> segments
# --------------------------------------------------------------------------


def _split_word(word: OcrWord) -> list[OcrWord | None]:
    """Split a word at separator characters inside it; None marks a separator.

    A `|` glued to the letters of an address or domain ("acme.n|") is the `l`
    (or, next to digits, the `1`) OCR took for a bar.
    """
    if not re.search(f"[{re.escape(SEPARATORS)}]", word.text):
        return [word]
    if (
        re.search(r"[.@]", word.text)
        and re.fullmatch(r"[\w.@|/:-]+", word.text)
        and re.search(r"\w\||\|\w", word.text)
    ):
        fixed = re.sub(r"(?<=\d)\||\|(?=\d)", "1", word.text).replace("|", "l")
        return [OcrWord(fixed, word.conf, word.left, word.top, word.width, word.height)]
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
    return bool(text) and (
        text in PHONE_LABELS or bool(re.fullmatch(r"e-?mail|web|www|tel|fax|mob|mobile", text))
    )


def _rows(words: Sequence[OcrWord]) -> list[list[OcrWord]]:
    """Split the words of one OCR line into printed rows (OCR sometimes joins two rows)."""
    rows: list[list[OcrWord]] = []
    for w in sorted(words, key=lambda w: (w.top + w.height / 2, w.left)):
        for row in rows:
            top = min(x.top for x in row)
            bottom = max(x.top + x.height for x in row)
            overlap = min(bottom, w.top + w.height) - max(top, w.top)
            if overlap >= 0.5 * min(w.height, bottom - top):
                row.append(w)
                break
        else:
            rows.append([w])
    for row in rows:
        row.sort(key=lambda w: w.left)
    rows.sort(key=lambda r: min(w.top for w in r))
    return rows


def _at_neighbour(words: Sequence[OcrWord], i: int) -> str | None:
    """'1' or 'l' when the separator at words[i] is really a character of an e-mail address."""
    prev = words[i - 1].text if i > 0 else ""
    nxt = words[i + 1].text if i + 1 < len(words) else ""
    if nxt.startswith("@") or prev.endswith("@"):
        neighbour = prev[-1:] if nxt.startswith("@") else nxt[:1]
        return "1" if neighbour.isdigit() else "l"
    return None


def segment_page(page: OcrPage) -> tuple[Segment, ...]:
    """Split every line into segments at separators and at wide horizontal gaps.

    A line that holds two printed rows (OCR merged them) is split into rows
    first. A wide gap (more than 2.5 times the line height) means two columns
    that OCR read as one line. A label alone before a gap ("Tel:      555...")
    stays with what follows it. A `|` glued to an e-mail's `@` is read as the
    `1` or `l` it usually is.
    """
    segments: list[Segment] = []
    for li, line in enumerate(page.lines):
        for row in _rows([w for w in line.words if w.text.strip()]):
            pieces: list[OcrWord | None] = []
            for word in row:
                pieces.extend(_split_word(word))
            has_contact = bool(re.search(r"@|www|\.com|\d{3}", " ".join(w.text for w in row)))
            height = max(sorted(w.height for w in row)[len(row) // 2], 1)
            groups: list[list[OcrWord]] = [[]]
            prev: OcrWord | None = None
            for k, piece in enumerate(pieces):
                if piece is not None and piece.text in {"|", "I", "l"}:
                    ctx = [p if p is not None else OcrWord("|", 0, 0, 0, 0, 0) for p in pieces]
                    char = _at_neighbour(ctx, k)
                    if char:
                        piece = OcrWord(char, piece.conf, piece.left, piece.top, piece.width, piece.height)
                        groups[-1].append(piece)
                        prev = piece
                        continue
                if piece is None:
                    ctx = [p if p is not None else OcrWord("|", 0, 0, 0, 0, 0) for p in pieces]
                    char = _at_neighbour(ctx, k)
                    if char and prev is not None:
                        piece = OcrWord(char, prev.conf, prev.left + prev.width, prev.top, 1, prev.height)
                        groups[-1].append(piece)
                        prev = piece
                        continue
                if piece is None or (has_contact and piece.text in {"I", "l", "!", "/"} and len(row) > 2):
                    groups.append([])
                    prev = None
                    continue
                if prev is not None and piece.left - (prev.left + prev.width) > 2.5 * height and groups[-1]:
                    if not _is_label_only(groups[-1]):
                        groups.append([])
                groups[-1].append(piece)
                prev = piece
            for g in groups:
                g = [w for w in g if w.text.strip(" ,;")]
                if g:
                    seg = _make_segment(len(segments), li, g)
                    if seg is not None:
                        segments.append(seg)
    return tuple(_join_skewed(segments))


def _join_skewed(segments: list[Segment]) -> list[Segment]:
    """Join the two halves of a printed line that a skewed scan made OCR read as two lines.

    The right half starts where the left half ends, a fraction of a line higher
    or lower (a whole row apart is a new line; the same row is a contact bar).
    """
    segs = list(segments)
    changed = len(segs) <= 150  # a card, not a page of prose
    while changed:
        changed = False
        for a in segs:
            for b in segs:
                if a is b or a.line == b.line:
                    continue
                h = max(a.height, b.height, 1)
                if max(a.height, b.height) > 1.3 * max(min(a.height, b.height), 1):
                    continue
                gap = b.box.left - a.box.right
                dy = abs((a.box.top + a.box.bottom) / 2 - (b.box.top + b.box.bottom) / 2)
                overlap = min(a.box.bottom, b.box.bottom) - max(a.box.top, b.box.top)
                if -0.3 * h <= gap <= 1.2 * h and dy > 0.25 * h and (dy < 0.9 * h or overlap > 0.2 * h):
                    words = a.words + b.words
                    joined = Segment(
                        a.index, a.line, f"{a.text} {b.text}", words, _box(words), _conf(words), h
                    )
                    segs = [joined if x is a else x for x in segs if x is not b]
                    changed = True
                    break
            if changed:
                break
    return [Segment(i, s.line, s.text, s.words, s.box, s.conf, s.height) for i, s in enumerate(segs)]


def _make_segment(index: int, line: int, words: Sequence[OcrWord]) -> Segment | None:
    text = " ".join(w.text for w in words).strip()
    if not re.search(r"\w", text):
        return None
    hs = sorted(w.height for w in words)
    return Segment(index, line, text, tuple(words), _box(words), _conf(words), hs[len(hs) // 2])


def _word_offsets(seg: Segment) -> list[tuple[int, int]]:
    """(start, end) of every word of a segment in its text."""
    out = []
    pos = 0
    for w in seg.words:
        i = seg.text.find(w.text, pos)
        if i < 0:
            i = pos
        out.append((i, i + len(w.text)))
        pos = i + len(w.text)
    return out


def _mask(text: str, offsets: Sequence[tuple[int, int]], used: set[int]) -> str:
    """The text with the used words blanked out (offsets stay valid)."""
    chars = list(text)
    for k in used:
        a, b = offsets[k]
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _is_label_run(words: Sequence[OcrWord]) -> bool:
    """Leftover words that are only labels or punctuation ("Tel.", "Email:", "-", "W:")."""
    for w in words:
        t = w.text.strip(":.-–—()[]/|,;").lower()
        if not t or len(t) == 1:
            continue
        if (
            t in PHONE_LABELS
            or t in _EMAIL_LABELS
            or WEB_LABEL_RE.match(t + ":")
            or ADDRESS_LABEL_RE.match(t + ":")
        ):
            continue
        if t in {"linkedin", "twitter", "instagram", "web", "website", "ext", "x"}:
            continue
        return False
    return True


# --------------------------------------------------------------------------
# E-mails and URLs
# --------------------------------------------------------------------------

_AT_WORDS = {"(at)", "[at]", "{at}", "<at>", "(a)", "(@)", "©", "®", "@"}
_AT_INNER_RE = re.compile(r"\(at\)|\[at\]|\{at\}|<at>|\(@\)|[©®]", re.I)
_DOT_WORDS = {"dot", "(dot)", "[dot]", "{dot}", "<dot>"}
_EMAIL_LABELS = {"e", "em", "email", "e-mail", "mail", "courriel", "correo", "posta", "✉", "📧"}
_EMAIL_RE = re.compile(r"[\w.+'’-]+@[\w-]+(?:[.,][\w-]+)*[.,][^\W\d_]{2,}", re.UNICODE)
_LOCAL_TOKEN_RE = re.compile(r"[\w.+'’-]*\w[\w.+'’-]*")
_DOMAIN_TOKEN_RE = re.compile(r"[\w.,-]*\w[\w.,-]*|[.,]")


def _is_email_label(token: str) -> bool:
    return token.lower().rstrip(":.-") in _EMAIL_LABELS or token.endswith(":")


def _looks_domain(token: str) -> bool:
    return bool(re.fullmatch(r"[\w-]+(?:[.,][\w-]+)*[.,][^\W\d_]{2,}[.,]?", token))


def _find_emails(seg: Segment) -> list[tuple[EmailCandidate, tuple[int, int]]]:
    """E-mail addresses in a segment, repaired, with the range of words they use.

    The repairs are the usual OCR slips: `(at)`, `©`, `®` or the word `at` for
    `@`, `(dot)` for `.`, `,` for `.` in the domain, and spaces inside the
    address (a word is joined to the address when the join is evident: one side
    ends or starts with `@`, `.`, `-`, `_`, or one side is a stray one- or
    two-character piece; a lone letter before the local part lost its dot).
    """
    toks = [w.text for w in seg.words]
    repairs: list[str] = []
    if not any("@" in t for t in toks):
        for k, t in enumerate(toks):
            if t.lower() in _AT_WORDS:
                toks[k] = "@"
                repairs.append("at-sign")
            elif _AT_INNER_RE.search(t) and re.search(r"\w", _AT_INNER_RE.sub("", t)):
                toks[k] = _AT_INNER_RE.sub("@", t)
                repairs.append("at-sign")
            elif (
                t.lower() == "at"
                and 0 < k < len(toks) - 1
                and _LOCAL_TOKEN_RE.fullmatch(toks[k - 1])
                and not _is_email_label(toks[k - 1])
                and (_looks_domain(toks[k + 1]) or (k + 2 < len(toks) and toks[k + 2].lower() in _DOT_WORDS))
            ):
                toks[k] = "@"
                repairs.append("at-sign")
            elif re.fullmatch(r"[\w.+-]+&[\w-]+\.[a-z]{2,}", t, re.I):
                toks[k] = t.replace("&", "@")
                repairs.append("at-sign")
            if any("@" in x for x in toks):
                break
    if any("@" in t for t in toks):
        for k, t in enumerate(toks):
            if t.lower() in _DOT_WORDS:
                toks[k] = "."
                repairs.append("dot-word")
    out = []
    k = 0
    while k < len(toks):
        if "@" not in toks[k]:
            k += 1
            continue
        i = j = k
        dot_after: set[int] = set()
        while i - 1 >= 0:
            t, c = toks[i - 1], toks[i]
            if _is_email_label(t) and (i - 1 == 0 or t.endswith(":")):
                break
            if not _LOCAL_TOKEN_RE.fullmatch(t):
                break
            c_local = c.partition("@")[0]
            if not re.search(r"[^\W\d_]", t) and not c.startswith("@"):
                break  # "555 1234 jd@acme.com": a number is not part of the address
            if (
                t.endswith((".", "_", "-"))
                or c.startswith(("@", ".", "_", "-"))
                or len(t) <= 2
                or len(c_local) <= 2
            ):
                if len(t) == 1 and t.isalpha() and c[:1].isalpha():
                    dot_after.add(i - 1)
                i -= 1
            else:
                break
        while j + 1 < len(toks):
            c, t = toks[j], toks[j + 1]
            if not _DOMAIN_TOKEN_RE.fullmatch(t):
                break
            if (
                c.endswith(("@", ".", ",", "-"))
                or t.startswith((".", ",", "-"))
                or (c.endswith("@") is False and "@" in c and not re.search(r"[.,][^\W\d_]{2,}$", c))
            ):
                j += 1
            else:
                break
        stray = (
            any(len(toks[x].partition("@")[0]) <= 2 and "@" not in toks[x][:1] for x in range(i, k)) and i < k
        )
        joined = "".join(toks[x] + ("." if x in dot_after else "") for x in range(i, j + 1))
        m = _EMAIL_RE.search(joined)
        if m:
            raw = " ".join(w.text for w in seg.words[i : j + 1])
            value = m.group(0).strip(".,'’-")
            reps = list(repairs)
            if i < j:
                reps.append("spaces")
            if stray:
                reps.append("stray-piece")
            local, _, domain = value.partition("@")
            if "," in domain:
                domain = domain.replace(",", ".")
                reps.append("comma-dot")
            domain = re.sub(r"\.{2,}", ".", domain)
            value = f"{local}@{domain}"
            words = seg.words[i : j + 1]
            ev = Evidence(seg.line, _box(words), _conf(words), "email:pattern", None)
            out.append((EmailCandidate(value, raw, tuple(dict.fromkeys(reps)), ev), (i, j)))
        k = j + 1
    return out


_URL_RE = re.compile(
    r"(?<![@\w.-])"
    r"(?P<scheme>(?:https?|hxxp)\s?[:;]?\s?/{1,2}\s?)?"
    r"(?P<host>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\s?[.,]\s?)+"
    r"(?:[a-z]{2,24}))"
    r"(?P<path>/[^\s|,;]*)?",
    re.I,
)
_SOCIAL = (
    (
        "linkedin",
        re.compile(r"linked\s?in\.c[o0][mn]/(?P<path>(?:in|pub|company)/[\w%.-]+)", re.I),
        "linkedin.com/",
    ),
    ("twitter", re.compile(r"(?:twitter|x)\.c[o0][mn]/(?P<path>@?\w+)", re.I), "twitter.com/"),
    ("instagram", re.compile(r"instagram\.c[o0][mn]/(?P<path>[\w.]+)", re.I), "instagram.com/"),
)
_SOCIAL_LABELS = dict(
    pair.split("=")
    for pair in "linkedin=linkedin in=linkedin li=linkedin twitter=twitter x=twitter tw=twitter instagram=instagram insta=instagram ig=instagram".split()
)
_HANDLE_RE = re.compile(
    r"^(?P<label>linkedin|in|li|twitter|x|tw|instagram|insta|ig)\s*[:.\-]?\s*(?P<handle>@?[\w.-]{2,}|in/[\w-]+)$",
    re.I,
)
_WWW_SLIP_RE = re.compile(r"^(?:[a-z]?(?=[vw]*w[vw]*w)[vw]{2,4}|ww)$")


def _find_urls(seg: Segment, text: str) -> list[tuple[UrlCandidate, tuple[int, int]]]:
    """Websites and social profiles in a segment (e-mails already blanked out of `text`).

    OCR slips repaired: a space around a dot, a lost `:` or `/` in the scheme,
    `vww`/`avww` for `www`, `.con` for `.com` in social links.
    """
    out = []
    t = (
        WEB_LABEL_RE.sub(lambda m: " " * len(m.group(0)), text)
        if not text.lower().startswith("www.")
        else text
    )
    for m in _URL_RE.finditer(t):
        host_raw = m.group("host")
        host = re.sub(r"\s", "", host_raw).replace(",", ".").lower()
        labels = host.split(".")
        if len(labels) < 2 or any(not p for p in labels):
            continue
        if len(labels) >= 3 and _WWW_SLIP_RE.match(labels[0]) and labels[0] != "www":
            labels[0] = "www"
            host = ".".join(labels)
        tld = labels[-1]
        path = (m.group("path") or "").rstrip("/.)")
        explicit = bool(m.group("scheme")) or labels[0] == "www"
        value = host + path
        network = None
        for net, rx, base in _SOCIAL:
            sm = rx.search(value)
            if sm:
                network = net
                value = base + sm.group("path")
                break
        end = m.end()
        if network is None and re.fullmatch(r"linked\s?in\.c[o0][mn]/in/?", value):
            # "linkedin.com/in charlotte davies": the slug's hyphens were read as spaces
            rest = re.match(r"\s*((?:\S+\s*){1,3})$", t[m.end() :])
            slug = "-".join(re.sub(r"[^\w-]", "", x) for x in rest.group(1).lower().split()) if rest else ""
            if re.fullmatch(r"[^\W_][\w-]*", slug):
                network = "linkedin"
                value = "linkedin.com/in/" + slug
                end = len(t.rstrip())
        if network is None:
            if not explicit:
                # A bare domain: a known TLD, no spaces or commas in it, a real name before the TLD.
                if (
                    tld not in COMMON_TLDS
                    or "," in host_raw
                    or " " in host_raw.strip()
                    or len(labels[-2]) < 2
                ):
                    continue
            if labels[-2] in {"linkedin", "twitter", "instagram", "facebook"}:
                if labels[-2] == "facebook":
                    continue
                network = labels[-2]
            elif labels[-2:] == ["x", "com"] and path:
                network = "twitter"
        out.append(
            (
                UrlCandidate(
                    value,
                    m.group(0),
                    network,
                    _evidence(
                        seg,
                        "url:" + ("explicit" if explicit else "bare"),
                        conf=_span_conf(seg, m.start(), end),
                    ),
                ),
                (m.start(), end),
            )
        )
    if not out:
        # "Web. pinecrest -software.com": after a web label, the rest of the segment is one address
        lm = re.match(
            r"\s*(?:w|web|website|www|site|url|internet)\s*[:.\-]\s*(?P<rest>\S.*?)\s*$", text, re.I
        )
        if lm and re.search(r"[.,]\s?[a-z]{2,}", lm.group("rest"), re.I):
            squeezed = re.sub(r"\s+", "", lm.group("rest"))
            sub = _find_urls(seg, squeezed) if squeezed != lm.group("rest") else []
            for cand, _ in sub:
                out.append((cand, (lm.start("rest"), lm.end("rest"))))
    if not out:
        hm = _HANDLE_RE.match(text.strip())
        if hm:
            net = _SOCIAL_LABELS[hm.group("label").lower()]
            handle = hm.group("handle")
            if net == "linkedin":
                value = "linkedin.com/" + (handle if handle.startswith("in/") else "in/" + handle.lstrip("@"))
            else:
                value = handle if handle.startswith("@") else "@" + handle
            start = text.find(text.strip())
            out.append(
                (
                    UrlCandidate(
                        value, text.strip(), net, _evidence(seg, "social:handle", label=hm.group("label"))
                    ),
                    (start, start + len(text.strip())),
                )
            )
    return out


# --------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------

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
    if _label_type(word):
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
    m = re.match(
        r"\s*[-–(]?\s*(mobile|mobil|cell|fax|office|direct|work|home|handy|portable|móvil)\b", text, re.I
    )
    return m.group(1) if m else None


def _label_type(label: str | None) -> str | None:
    if not label:
        return None
    if label in _ICON_TYPES:
        return _ICON_TYPES[label]
    key = label.lower().rstrip(".:")
    found = PHONE_LABELS.get(key) or PHONE_LABELS.get(key + ".")
    if found is None and len(key) == 2 and key.isalpha() and key[0] in "tmfpc":
        return PHONE_LABELS.get(key[0])  # "Ts", "Mi": a one-letter label with an OCR speck
    return found


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


FALLBACK_REGIONS = ("US", "GB", "DE", "FR", "NL", "AU", "CA", "BE", "CH", "AT", "IE", "ES", "IT", "NZ")


def _phones_in(seg: Segment, text: str, region: str) -> list[PhoneCandidate]:
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
    if not matches and (lead_label or re.fullmatch(r"\s*\(?\d[\d\s().\-/]{7,}\d\s*", work)):
        # No number in the card's region: the card may say nothing of its country (a .com site,
        # no address). A number that stands alone or after a phone label is read in the first
        # common region where it is valid, and flagged by the rule name.
        for other in FALLBACK_REGIONS:
            if other == region:
                continue
            matches = list(PhoneNumberMatcher(work, other, leniency=Leniency.VALID))
            if matches:
                rule, region = "phone:matcher-other-region", other
                break
    prev_end = 0
    for i, m in enumerate(matches):
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
            elif nt in (
                PhoneNumberType.FIXED_LINE,
                PhoneNumberType.FIXED_LINE_OR_MOBILE,
                PhoneNumberType.TOLL_FREE,
                PhoneNumberType.VOIP,
                PhoneNumberType.UAN,
                PhoneNumberType.SHARED_COST,
            ):
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
                evidence=_evidence(seg, rule, label=label, conf=_span_conf(seg, m.start, m.end, worst=True)),
                span=(m.start, m.end),
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
        re.compile(
            rf"(?:{_CITY}\s*,?\s+)?(?P<region>[A-Z]{{2}})\.?\s*,?\s+(?P<postcode>\d{{5}}(?:[-–]\d{{4}})?)\b"
        ),
    ),
    (
        "AU",
        "address:au-postcode",
        re.compile(
            rf"(?:{_CITY}\s*,?\s+)?(?P<region>NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s*,?\s+(?P<postcode>\d{{4}})\b"
        ),
    ),
    (
        "GB",
        "address:uk-postcode",
        re.compile(
            rf"(?:{_CITY}\s*,?\s+)?(?P<postcode>(?:[A-Z]{{1,2}}[0-9][A-Z0-9]?|GIR)\s?[0-9][ABD-HJLNP-UW-Z]{{2}})\b"
        ),
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


def _repair_strasse(text: str) -> str:
    """'Leopoldstrafe', 'Hohe Strabe' -> '...straße', 'K6ln' -> 'Köln': OCR without German reads ß as B or fe."""
    text = re.sub(r"(?i)\b(\w*?stra)(?!sse\b)(?:[^\W\d_]{1,2}|8|f5)e\b", lambda m: m.group(1) + "ße", text)
    return re.sub(r"(?<=[^\W\d_])6(?=[^\W\d_])", "ö", text)  # "K6ln": an ö read as 6


_UNIT_RE = re.compile(
    r"\b(suite|ste|floor|fl|level|unit|building|bldg|apt|étage|etage|bâtiment|stock|etage|c/o|po box|p\.o\.)\b",
    re.I,
)


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
    return bool(
        re.match(r"^\d{1,5}[a-z]?\s+[^\W\d_]", text, re.I)
        or re.search(r"[^\W\d_]{3,}\s+\d{1,4}[a-z]?\b", text)
    )


def _parse_postcode_line(
    text: str, hints: dict[str, str | None]
) -> tuple[str, str, dict[str, str | None]] | None:
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
                if (
                    m.start() > 0
                    and body[: m.start()].strip()
                    and not body[: m.start()].rstrip().endswith(",")
                ):
                    # "Hauptstraße 5 10115 Berlin" is fine, "Suite 10115 Berlin" is odd; keep only if the prefix is a street
                    if not _street_like(body[: m.start()]):
                        continue
            prefix = body[: m.start()].strip(" ,")
            city = (gd.get("city") or "").strip(" ,.") or None
            if city and "," in city:
                before, _, city = city.rpartition(",")
                prefix = (prefix + " " + before).strip(" ,")
                city = city.strip() or None
            if (
                city
                and country in ("US", "CA", "AU")
                and prefix == ""
                and _street_like(city)
                and re.search(r"\d", city)
            ):
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
            if (
                country_suffix
                and country not in ("DEFR",)
                and country_suffix != country
                and country in ("US", "AU")
            ):
                # "NSW 2000, Australia" fine; "WA 98101, USA" fine; mismatch -> trust the printed country
                country = country_suffix
            return (
                country,
                rule,
                {
                    "city": city,
                    "region": region,
                    "postcode": postcode,
                    "prefix": prefix or None,
                    "country_printed": country_suffix,
                },
            )
    return None


# --------------------------------------------------------------------------
# Free text: name, title, company scores
# --------------------------------------------------------------------------

_JUNK_CHARS_RE = re.compile(r"[(){}\[\]<>©®@#*~^=_\\/%$§¤|]")


def _is_junk_word(w: OcrWord, nxt: Sequence[OcrWord]) -> bool:
    """A word that a logo or a rule left at the edge of a line ("ip)", "©", "GD" read at low confidence).

    A logo glyph read as text is short and much taller than the words next to it.
    """
    t = w.text
    if not re.search(r"[^\W_]", t) or _JUNK_CHARS_RE.search(t) and not re.fullmatch(r"\(?[\w.&'’-]+\)?", t):
        return True
    if len(t) <= 3 and w.conf < 50:
        return True
    if w.conf < 20 and not re.fullmatch(r"[^\W\d_][^\W\d_'’-]+", t):
        return True  # a long word read at very low confidence is junk unless it is a plain word
    if nxt and len(t) <= 3:
        hs = sorted(x.height for x in nxt)
        if w.height > 1.35 * hs[len(hs) // 2]:
            return True
    if nxt and len(nxt) >= 2 and t.islower() and len(t) <= 3 and all(x.text[:1].isupper() for x in nxt):
        return True  # "all PINECREST SOFTWARE", "i Harbourside Legal"
    return False


def clean_free_words(words: Sequence[OcrWord]) -> list[OcrWord]:
    """The words of a free-text segment without logo junk at either end."""
    ws = list(words)
    while ws and _is_junk_word(ws[0], ws[1:]):
        ws.pop(0)
    while ws and not re.search(r"[^\W_]", ws[-1].text):
        ws.pop()
    return ws


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
        if (
            len(letters) < 2
            or len(letters) > 2
            and not re.search(r"[aeiouyäöüàâéèêëïîôûùÿáíóúåæøAEIOUYÄÖÜÀÂÉÈÊËÏÎÔÛÙÁÍÓÚ]", letters)
        ):
            return None
        core += 1
    if core < 2:
        return None
    return prefixes, toks, suffixes


def _email_local_match(tokens: Sequence[str], locals_: Sequence[str]) -> float:
    if not locals_:
        return 0.0
    best = 0.0
    translit = [
        t.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss") for t in tokens
    ]
    if translit != [t.lower() for t in tokens]:
        best = _email_local_match_plain(translit, locals_)
    return max(best, _email_local_match_plain(tokens, locals_))


def _email_local_match_plain(tokens: Sequence[str], locals_: Sequence[str]) -> float:
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
        forms = {
            given + family,
            family + given,
            given[0] + family,
            given + family[0],
            family + given[0],
            family,
        }
        if lo in forms or lo == "".join(words):
            best = max(best, 1.0 if lo != family else 0.85)
        elif lo == given and len(given) >= 3:
            best = max(best, 0.7)
        elif len(family) >= 4 and family in lo:
            best = max(best, 0.8)
        else:
            best = max(best, fuzz.ratio(lo, given + family) / 100 * 0.8 if len(lo) > 4 else 0.0)
    return best


_TITLE_CORE_FOLDED = frozenset(fold(w) for w in TITLE_CORE)


def _title_score(text: str) -> tuple[float, bool]:
    """(score, has a core title word)."""
    toks = [fold(t).strip(".,:;()") for t in re.split(r"[\s/,]+", text) if t.strip(".,:;()")]
    if not toks:
        return 0.0, False
    core_set = _TITLE_CORE_FOLDED
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


def _guess_region(
    segments: Sequence[Segment], hosts: Iterable[str], default: str
) -> tuple[str, str, str | None]:
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
            if (
                country == "GB"
                and city is None
                and k == 0
                and not re.search(r"\d", t)
                and len(t.split()) <= 3
            ):
                city = t.strip(" ,")
                lines.insert(0, t)
                idx.insert(0, s.index)
                continue
            if street_parts and not re.search(r"\d", t) and not _UNIT_RE.search(t):
                break  # above a street line, only a unit line ("Suite 12", "Level 24") belongs to the address
            if _STRONG_SUFFIX_RE.search(t):
                break
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
        if country in ("DE", "AT", "CH"):
            lines = [_repair_strasse(x) for x in lines]
            street_parts = [_repair_strasse(x) for x in street_parts]
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
    # A street line with no postcode found (misread, or not printed): still an address, weakly,
    # with a unit line above it and up to two short place lines below it in the same column.
    if not out:
        for seg in segments:
            if seg.index in contact:
                continue
            text = ADDRESS_LABEL_RE.sub("", seg.text).strip()
            if not (re.match(r"^\d{1,5}[a-z]?\s+[^\W\d_]", text) and _STREET_WORDS_RE.search(text)) and not (
                _DE_STREET_RE.search(text) and re.search(r"\d", text)
            ):
                continue
            lines, idx = [text], [seg.index]
            above = _neighbours_above(seg, segments, contact)
            if above and _UNIT_RE.search(above[0].text) and len(above[0].text.split()) <= 4:
                lines.insert(0, above[0].text.strip())
                idx.insert(0, above[0].index)
            cur = seg
            for _ in range(2):
                nxt = _neighbour_below(cur, segments)
                if (
                    nxt is None
                    or nxt.index in contact
                    or len(nxt.text.split()) > 4
                    or person_tokens(nxt.text)
                ):
                    break
                if _title_score(nxt.text)[1] or _STRONG_SUFFIX_RE.search(nxt.text) or "@" in nxt.text:
                    break
                lines.append(nxt.text.strip())
                idx.append(nxt.index)
                cur = nxt
            street = ", ".join(lines[: lines.index(text) + 1])
            city = lines[lines.index(text) + 1] if len(lines) > lines.index(text) + 1 else None
            out.append(
                AddressCandidate(
                    tuple(lines),
                    street,
                    city,
                    None,
                    None,
                    None,
                    0.45,
                    tuple(idx),
                    _evidence(seg, "address:no-postcode"),
                )
            )
            break
    return out


def propose(page: OcrPage, *, region: str = "US") -> Candidates:
    """Every candidate value on the card, with evidence. Never raises on junk text."""
    segments = list(segment_page(page))
    emails: list[EmailCandidate] = []
    urls: list[UrlCandidate] = []
    used_words: dict[int, set[int]] = {}  # segment index -> indices of words a value used
    contact: set[int] = set()
    masked_text: dict[int, str] = {}

    for seg in list(segments):
        offsets = _word_offsets(seg)
        used: set[int] = set()
        for cand, (i, j) in _find_emails(seg):
            emails.append(cand)
            used.update(range(i, j + 1))
        masked = _mask(seg.text, offsets, used)
        for cand, (a, b) in _find_urls(seg, masked):
            urls.append(cand)
            used.update(k for k, (x, y) in enumerate(offsets) if x < b and y > a)
        used_words[seg.index] = used
        masked_text[seg.index] = _mask(seg.text, offsets, used)

    hosts = [u.value.split("/")[0] for u in urls if u.network is None] + [
        e.value.rpartition("@")[2] for e in emails
    ]

    # phones, before addresses are known only to pick the region
    card_region, region_source, defr = _guess_region(segments, hosts, region)
    hints: dict[str, str | None] = {
        "defr": defr,
        "country": card_region if region_source != "default" else None,
    }

    phone_hits: dict[int, list[PhoneCandidate]] = {}
    for seg in segments:
        if used_words.get(seg.index) and not re.search(r"\d(?:[\s().-]{0,2}\d){5}", masked_text[seg.index]):
            continue
        offsets = _word_offsets(seg)
        hits = _phones_in(seg, masked_text.get(seg.index, seg.text), card_region)
        if hits:
            phone_hits[seg.index] = hits
            for p in hits:
                a, b = p.span
                used_words.setdefault(seg.index, set()).update(
                    k for k, (x, y) in enumerate(offsets) if x < b and y > a
                )

    # segments whose words all went into values are contact lines; leftovers become segments of their own
    for seg in list(segments):
        used = used_words.get(seg.index, set())
        if not used:
            continue
        contact.add(seg.index)
        run: list[OcrWord] = []
        runs: list[list[OcrWord]] = []
        for k, w in enumerate(seg.words):
            if k in used:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(w)
        if run:
            runs.append(run)
        for r in runs:
            while r and _is_label_run(r[-1:]):
                r = r[:-1]
            while r and _is_label_run(r[:1]):
                r = r[1:]
            if not r or _is_label_run(r):
                continue
            extra = _make_segment(len(segments), seg.line, r)
            if extra is not None:
                segments.append(extra)

    addresses = _addresses(segments, contact, hints)
    if addresses and addresses[0].country and addresses[0].country in phonenumbers.SUPPORTED_REGIONS:
        if region_source in ("default", "tld", "phone-prefix") and addresses[0].country != card_region:
            card_region, region_source = addresses[0].country, "address"
            phone_hits = {}
            for seg in segments:
                if seg.index in contact or seg.index in used_words:
                    hits = _phones_in(seg, masked_text.get(seg.index, seg.text), card_region)
                    if hits:
                        phone_hits[seg.index] = hits
        elif region_source == "default":
            region_source = "address"
    address_segs = {i for a in addresses for i in a.segments}

    phones: list[PhoneCandidate] = []
    postcodes = {re.sub(r"\D", "", a.postcode or "") for a in addresses}
    for seg_index, hits in phone_hits.items():
        for p in hits:
            digits = re.sub(r"\D", "", p.raw)
            if p.evidence.label is None and any(
                pc and pc in digits and len(digits) - len(pc) < 4 for pc in postcodes
            ):
                continue
            if seg_index in address_segs and p.evidence.label is None:
                continue
            phones.append(p)
    # dedupe phones on (e164, extension), keeping the first (labelled one wins)
    seen: dict[tuple[str, str | None], PhoneCandidate] = {}
    for p in phones:
        key = (p.e164, p.extension)
        if key not in seen or (seen[key].type_source != "label" and p.type_source == "label"):
            seen[key] = p
    phones = list(seen.values())

    # Free text
    domains = list(dict.fromkeys(h for h in hosts if not is_freemail(h)))
    locals_ = list(dict.fromkeys(e.value.partition("@")[0] for e in emails))
    free = [s for s in segments if s.index not in contact and s.index not in address_segs]
    heights = [s.height for s in segments] or [1]
    median_h = statistics.median(heights)
    texts: list[TextCandidate] = []
    tops = sorted({s.box.top for s in free})
    for seg in free:
        rank = tops.index(seg.box.top)
        words = clean_free_words(seg.words)
        if not words:
            continue
        if len(words) != len(seg.words):
            seg = Segment(
                seg.index,
                seg.line,
                " ".join(w.text for w in words),
                tuple(words),
                _box(words),
                _conf(words),
                sorted(w.height for w in words)[len(words) // 2],
            )
        text = seg.text.strip(" ,;:-–")
        if not re.search(r"[^\W\d_]{2,}", text):
            continue
        if _country_of_line(text):
            continue
        feats: list[str] = []
        rel_h = seg.height / median_h if median_h else 1.0
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
