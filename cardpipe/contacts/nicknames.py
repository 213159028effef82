"""A small table of given-name variants, shipped with cardpipe (no download).

Each line of `_TABLE` is one group: a formal name followed by the short forms and
spellings people print on a card instead of it (mostly English, some German, Dutch,
Spanish and Italian). Forms of one name in another language (John / Juan / Giovanni)
are not variants: a person does not switch between them, colleagues bear them. A name may sit in several groups ("alex" is
short for Alexander and for Alexandra); two given names are variants of each other
when they share a group. Names are written folded: lower case, no accents, no
hyphens or apostrophes (see `names.fold`).

Written for cardpipe from common knowledge of these languages' naming habits; add a
line when a real card shows a missing pair.
"""

from __future__ import annotations

from functools import lru_cache

_TABLE = """
abigail abby abbie gail
abraham abe bram
albert al bert bertie
alberto beto
alexander alex alec sasha sandro xander lex
alexandra alex alexa sandra sasha lexi sandy
alessandro alex sandro
alfred alf alfie fred freddie
andrew andy drew
andreas andi andy
anne ann annie nancy nan
anthony tony ant
antonio toni tono
antonia toni tonia
arthur art artie
barbara barb barbie babs
beatrice bea trixie
benjamin ben benny benji
bernard bernie bernd
bernhard bernd
caroline carol carrie caro
catherine kate katie cathy kathy cat kitty kay cate
katherine kate katie kathy kat kitty kay
kathryn kate katie kathy kat
katharina kathi kati katja
charles charlie chuck chas
charlotte lottie charlie lotte
christian chris
christina chris christine tina chrissy
christopher chris kit topher
christoph chris
cornelius cor kees neil
cynthia cindy
daniel dan danny
daniela dani
david dave davy
deborah debbie deb
diana di
dominic dom
dominik dom
donald don donnie
dorothy dot dottie
douglas doug
edward ed eddie ted teddy ned
eduardo edu lalo
eleanor ellie nell nora
elizabeth liz beth betty betsy eliza libby lizzie
elisabeth lisa liesl sissi elli
emily em emmy
ernest ernie
eugene gene
frances fran fanny
francis frank frankie
francisco paco pancho cisco
francesco franco cesco
frederick fred freddie fritz
friedrich fritz
gabriel gabe gabi
gabrielle gabi gaby
gabriela gabi gaby
geoffrey geoff jeff
gerald gerry jerry
gerhard gerd
gertrude gertie trudy trude
gregory greg
guillermo memo
harold harry hal
henry harry hank hal
heinrich heinz
hendrik henk
enrique kike
isabella bella izzy
isabel isa chabela
jacob jake
jakob jake
james jim jimmy jamie
janet jan jenny
jane jenny janie
jennifer jen jenny jenni
jeremy jerry
jessica jess jessie
joan joanie
johannes johann hans hannes jan
john jon jack johnny jonny
jonathan jon jonny nate
jose pepe
josef sepp
giuseppe beppe peppe pino
joseph joe joey
josephine jo josie
judith judy
julia julie
julian jules
katrina kat trina
kenneth ken kenny
lawrence larry
laurence larry
leonard leo len lenny
leonardo leo
lewis lew lou
louis lou
louise lou lulu
magdalena magda lena
margaret maggie meg peggy margie greta marge
margarete grete gretel
maria mia
mary molly polly mae
martha marty mattie
martin marty
matthew matt matty
matthias matze
maximilian max maxi
michael mike mikey mick mickey
nicholas nick nicky nico
nicolas nico
nikolaus klaus niko
olivia liv livvy
patricia pat patty trish tricia
patrick pat paddy
peter pete
philip phil pip
philipp phil
rebecca becky becca
richard rick ricky dick rich richie
robert rob bob bobby robbie bert
ronald ron ronnie
samuel sam sammy
samantha sam sammie
sarah sara sally sadie
stephanie steph
stefanie steffi
stephen steve stevie
steven steve stevie
susan sue susie
theodore ted teddy theo
thomas tom tommy thom
timothy tim timmy
victoria vicky tori
vincent vince vinnie
walter walt wally
william bill billy will willy liam
wolfgang wolf
zachary zach zack
"""


def _groups() -> dict[str, frozenset[str]]:
    """name -> the formal names of the groups it belongs to."""
    out: dict[str, set[str]] = {}
    for line in _TABLE.strip().splitlines():
        names = line.split()
        for n in names:
            out.setdefault(n, set()).add(names[0])
    return {k: frozenset(v) for k, v in out.items()}


_GROUPS = _groups()
_MEMBERS: dict[str, frozenset[str]] = {
    line.split()[0]: frozenset(line.split()) for line in _TABLE.strip().splitlines()
}

#: Every given name the table knows: two different known names are never "the same
#: name with an OCR slip" (Jon and Joan are two people).
KNOWN_GIVEN: frozenset[str] = frozenset(_GROUPS)


@lru_cache(maxsize=65536)
def formal_names(given: str) -> frozenset[str]:
    """The formal names a folded given name stands for ({"robert"} for "bob"); empty when unknown."""
    return _GROUPS.get(given, frozenset())


@lru_cache(maxsize=65536)
def variants(given: str) -> frozenset[str]:
    """Every name that shares a group with a folded given name (itself excluded)."""
    return frozenset(n for formal in formal_names(given) for n in _MEMBERS[formal]) - {given}


def are_variants(a: str, b: str) -> bool:
    """True when two different folded given names are forms of one name (Bob / Robert)."""
    return bool(formal_names(a) & formal_names(b))
