"""The word lists extraction reads cards with: labels, title and company words, legal
suffixes, name particles, given names, regions, country names and domains."""

from __future__ import annotations

import re

SEPARATORS = "|¦｜·•●◦▪■◆♦∙⋅‧"


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

ICON_TYPES = {"☎": "work", "✆": "work", "📞": "work", "☏": "work", "📱": "mobile", "📠": "fax"}

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
    translator interpreter freelancer copywriter illustrator journalist reporter veterinarian surgeon doctor
    psychologist psychotherapist physiotherapist optometrist optician midwife inspector investigator estimator
    appraiser valuer assessor mediator negotiator counsellor counselor receptionist bookkeeper electrician
    plumber carpenter mechanic
    übersetzer übersetzerin dolmetscher dolmetscherin traducteur traductrice interprète traductor traductora
    intérprete vertaler tolk traduttore traduttrice
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
    müdür müdürü mühendis mühendisi başkan başkanı yönetici uzman uzmanı sorumlu sorumlusu temsilci temsilcisi
    danışman danışmanı kurucu direktör koordinatör şef şefi yardımcısı sahibi teknisyen
    verkaufsberater
    """.split()
)
TITLE_DEPT = set(
    """
    of and & the for de des du la le et y e und für fur van voor di del della
    freelance independent junior jr certified licensed sworn chartered registered
    sales marketing engineering operations product products project projects program programs business development
    account accounts customer customers success support service finance financial hr human resources legal it
    research communications relations public creative art technical technology software data security quality
    procurement purchasing logistics supply chain growth brand content digital media global regional national
    international area district team staff key enterprise partnerships strategy innovation design information
    systems commercial affairs investor investment risk compliance administration people talent acquisition
    field client clients export import production manufacturing retail corporate board member members emea apac
    americas north south east west europe asia region new client-side r&d ux ui regulatory clinical medical
    middle africa pacific latin america oceania worldwide central eastern western northern southern latam mena
    scientific department dept dept. division
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
    center centre institute academy provider store shop gallery mart traders electric electrical electricals museum
    electronics metal steel aluminium aluminum plastic machinery machines equipment industrial industry
    industrie industria impex express freight forwarding shipping cargo transport transports logistic motors
    printing textile textiles chemicals
    solution automation service maintenance cleaning survey surveys caterers catering emporium furniture
    dealers dealer repairs agencies sales
    makina makine sanayi sanayii ticaret mühendislik inşaat tarım gıda otomotiv lojistik kimya tekstil
    plastik mobilya soğutma taşımacılık
    """.split()
)
# A "&" or "and" in a line is a hint for company names ("Smith & Sons"), not for person names.

SUFFIX_ALTS = (
    r"inc|incorporated|llc|l\.l\.c|llp|l\.l\.p|lp|ltd|limited|gmbh|mbh|ag|kg|ohg|ug|gbr|e\.\s?k|e\.\s?v|"
    r"s\.\s?a\.\s?s|s\.\s?a\.\s?r\.\s?l|sarl|sas|eurl|sa|s\.\s?a|b\.\s?v|bv|n\.\s?v|nv|pty(?:\.?\s+ltd)?|plc|corp|"
    r"corporation|co|company|s\.\s?l|sl|s\.\s?p\.\s?a|spa|srl|s\.\s?r\.\s?l|lda|ltda|oy|ab|a/s|aps|k\.\s?k|pte|pvt|"
    r"bhd|sdn|vof|v\.o\.f|cv|c\.v|sc|scs|sprl|bvba|kft|s\.\s?c|"
    # Turkish (A.Ş., Ltd. Şti., the cedilla often lost), the Gulf (B.S.C., W.L.L., FZE), the CIS
    # (JSC, OOO), Central Europe (s.r.o., d.o.o., Zrt.), German KGaA, Lebanon/Peru (S.A.L., S.A.C.)
    r"a\.\s?[şs]|şti|sti|b\.\s?s\.\s?c|w\.\s?l\.\s?l|wll|jsc|pjsc|ojsc|cjsc|fze|fzco|fz-llc|s\.\s?r\.\s?o|sro|"
    r"d\.\s?o\.\s?o|doo|zrt|nyrt|kgaa|ooo|s\.\s?a\.\s?l|s\.\s?a\.\s?c"
)
COMPANY_SUFFIX_RE = re.compile(rf"(?:^|[\s,&])(?:{SUFFIX_ALTS})\.?(?=$|[\s,)])", re.I)
# The strong ones: seen anywhere in a line they mark a company.
STRONG_SUFFIX_RE = re.compile(
    r"\b(?:inc|llc|llp|ltd|limited|gmbh|mbh|plc|corp|s\.\s?a\.\s?r\.\s?l|sarl|s\.\s?p\.\s?a|srl|b\.\s?v|n\.\s?v|pty|ltda|lda|"
    r"bvba|sprl|e\.\s?k|a\.\s?ş|şti|b\.\s?s\.\s?c|w\.\s?l\.\s?l|jsc|pjsc|fze|fzco|s\.\s?r\.\s?o|d\.\s?o\.\s?o|kgaa)\b\.?|"
    r"\bs\.\s?[al]\.(?=$|[\s,])",
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
    hélène irène agnès noël noémie zoë chloë anaïs loïc maël jérôme gérard rené renée andrée josée désirée
    mélanie cécile élodie élise clémence gaëlle joël joëlle raphaël michaël björn jörn sönke ramón inés
    martín sebastián álvaro óscar tomás nicolás joaquín víctor
    """.split()
)

US_STATES = set(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR".split()
)

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
    "turkey": "TR", "türkiye": "TR", "turkiye": "TR", "türkei": "TR", "japan": "JP", "china": "CN",
    "p.r. china": "CN", "hong kong": "HK", "taiwan": "TW", "korea": "KR", "south korea": "KR",
    "republic of korea": "KR", "india": "IN", "singapore": "SG", "malaysia": "MY", "thailand": "TH",
    "vietnam": "VN", "viet nam": "VN", "indonesia": "ID", "philippines": "PH", "uae": "AE", "u.a.e.": "AE",
    "united arab emirates": "AE", "saudi arabia": "SA", "kingdom of saudi arabia": "SA", "ksa": "SA",
    "qatar": "QA", "bahrain": "BH", "kingdom of bahrain": "BH", "kuwait": "KW", "oman": "OM",
    "egypt": "EG", "israel": "IL", "south africa": "ZA", "nigeria": "NG", "kenya": "KE", "morocco": "MA",
    "croatia": "HR", "hrvatska": "HR", "poland": "PL", "polska": "PL", "czech republic": "CZ", "czechia": "CZ",
    "romania": "RO", "hungary": "HU", "greece": "GR", "finland": "FI", "argentina": "AR", "chile": "CL",
    "colombia": "CO", "peru": "PE", "russia": "RU", "ukraine": "UA", "serbia": "RS", "slovenia": "SI",
    "slovakia": "SK", "bulgaria": "BG", "pakistan": "PK", "bangladesh": "BD", "sri lanka": "LK",
    "cyprus": "CY", "malta": "MT", "iceland": "IS", "estonia": "EE", "latvia": "LV", "lithuania": "LT",
}
# fmt: on
# Cities a card names without its country, for the region of numbers printed without '+'.
# Only names no common US city shares (no Dublin, Athens, Vienna, Melbourne...): a US card
# naming 'Dublin, OH' must keep its numbers American.
# fmt: off
CITY_COUNTRIES = {
    "istanbul": "TR", "ankara": "TR", "izmir": "TR", "bursa": "TR", "kayseri": "TR", "konya": "TR",
    "antalya": "TR", "mersin": "TR", "gaziantep": "TR", "aksaray": "TR",
    "tokyo": "JP", "osaka": "JP", "nagoya": "JP", "yokohama": "JP", "kyoto": "JP", "sapporo": "JP",
    "dubai": "AE", "abu dhabi": "AE", "sharjah": "AE", "riyadh": "SA", "jeddah": "SA", "dammam": "SA",
    "doha": "QA", "manama": "BH", "muscat": "OM", "kuwait city": "KW",
    "mumbai": "IN", "new delhi": "IN", "bangalore": "IN", "bengaluru": "IN", "hyderabad": "IN",
    "chennai": "IN", "kolkata": "IN", "pune": "IN", "ahmedabad": "IN", "rajkot": "IN", "hisar": "IN",
    "jaipur": "IN", "lucknow": "IN", "noida": "IN", "gurgaon": "IN", "gurugram": "IN",
    "karachi": "PK", "lahore": "PK", "dhaka": "BD", "colombo": "LK", "kathmandu": "NP",
    "bangkok": "TH", "kuala lumpur": "MY", "jakarta": "ID", "manila": "PH", "hanoi": "VN", "ha noi": "VN",
    "ho chi minh": "VN", "seoul": "KR", "busan": "KR", "taipei": "TW", "shanghai": "CN", "beijing": "CN",
    "shenzhen": "CN", "guangzhou": "CN", "lagos": "NG", "nairobi": "KE", "johannesburg": "ZA",
    "cape town": "ZA", "zagreb": "HR", "warszawa": "PL", "prague": "CZ", "praha": "CZ",
    "bucharest": "RO", "budapest": "HU", "lisboa": "PT", "madrid": "ES",
    "barcelona": "ES", "milano": "IT", "wien": "AT",
    "zürich": "CH", "genève": "CH", "brussels": "BE", "bruxelles": "BE",
    "antwerp": "BE", "antwerpen": "BE", "amsterdam": "NL", "rotterdam": "NL", "copenhagen": "DK",
    "stockholm": "SE", "oslo": "NO", "helsinki": "FI", "buenos aires": "AR",
    "são paulo": "BR", "sao paulo": "BR", "rio de janeiro": "BR", "mexico city": "MX", "bogotá": "CO",
    "auckland": "NZ", "singapore": "SG",
}
# fmt: on

# Country-code TLDs that are used as generic TLDs and say nothing about the country.
GENERIC_CCTLDS = set("io co ai me tv cc ws fm gg to sh ly vc la im so am is".split())
COMMON_TLDS = set(
    """
    com org net edu gov mil int info biz io co ai app dev tech studio design agency eu us uk de fr nl be ch at es
    it pt ie au nz ca mx br ar cl jp cn in sg hk kr tw se no dk fi pl cz hu ro gr tr ru za ae il lu li me tv cc
    online site store shop xyz global group law legal health solutions consulting digital media cloud life world
    email one pro name mobi travel works company center email international partners capital ventures
    """.split()
)

FREEMAIL = set(
    """
    gmail.com googlemail.com yahoo.com hotmail.com outlook.com live.com msn.com aol.com icloud.com
    me.com mac.com proton.me protonmail.com gmx.de gmx.net gmx.com web.de t-online.de orange.fr free.fr
    laposte.net wanadoo.fr sfr.fr yahoo.co.uk btinternet.com hotmail.co.uk bigpond.com ziggo.nl
    kpnmail.nl libero.it yandex.com mail.com email.com zoho.com fastmail.com hey.com
    """.split()
)


EMAIL_LABELS = {"e", "em", "email", "e-mail", "mail", "courriel", "correo", "posta", "✉", "📧"}

# Every country-code TLD in the root zone (IANA), with 'uk' and 'eu': a two-letter TLD that
# is not one of them does not exist ('tulip.nt', 'groupevertigo.ft' are misreads).
CCTLDS = set(
    """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bv bw
    by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu
    fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il
    im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma
    mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om
    pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so
    sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg
    vi vn vu wf ws ye yt za zm zw
    """.split()
)
