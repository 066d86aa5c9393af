"""Surface variants of item-specific values as sellers write them in titles.

Real-world knowledge, independent of the sandbox generator (pre-annotation must not read gold):
make nicknames (Chevy, VW, Merc, Benz), spelling of characteristics (Auto/Automatic, 4x4/4WD,
Grey/Gray). Separators and diacritics are handled by the matcher, so "F150"/"F-150" and
"Citroen"/"Citroën" need no entry here. Keys are casefolded canonical values.
"""

from __future__ import annotations

MAKE_ALIASES: dict[str, tuple[str, ...]] = {
    "chevrolet": ("Chevy", "Chev"),
    "volkswagen": ("VW", "Volkswagon"),
    "mercedes-benz": ("Mercedes", "Merc", "Benz", "MB", "Mercedes Benz"),
    "mercedes": ("Mercedes-Benz", "Merc", "Benz", "MB"),
    "bmw": ("Beemer", "Bimmer"),
    "land rover": ("Landrover", "Range Rover"),
    "alfa romeo": ("Alfa",),
    "rolls-royce": ("Rolls",),
    "aston martin": ("Aston",),
    "lamborghini": ("Lambo",),
    "mitsubishi": ("Mitsu",),
    "volvo": (),
    "cadillac": ("Caddy",),
    "infiniti": ("Infinity",),
    "hyundai": ("Hundai",),
    "porsche": ("Porshe",),
    "ram": ("Dodge Ram",),
    "gmc": (),
    "toyota": ("Toyta",),
}

MODEL_ALIASES: dict[str, tuple[str, ...]] = {
    # German "er" style for BMW series and "Klasse" for Mercedes classes (the Kleinanzeigen titles).
    **{f"{n} series": (f"{n}er", f"{n}-er") for n in range(1, 9)},
    **{f"{c}-class": (f"{c}-Klasse", f"{c} Klasse", f"{c}klasse") for c in "abcegmrsv"},
    **{f"{c} class": (f"{c}-Klasse", f"{c} Klasse", f"{c}klasse") for c in "abcegmrsv"},
    "land cruiser": ("Landcruiser",),
    "mustang mach-e": ("Mach-E", "Mach E"),
}

CHARACTERISTIC_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "TRANSMISSION": {
        "automatic": (
            "Auto",
            "Automatik",
            "Autom",
            "A/T",
            "Tiptronic",
            "Steptronic",
            "Auto Trans",
            "4AT",
            "5AT",
            "6AT",
            "8AT",
        ),
        "manual": ("Stick", "Stick Shift", "M/T", "Manuell", "Schaltgetriebe", "4MT", "5MT", "6MT", "7MT"),
        "cvt": ("Continuously Variable",),
    },
    "DRIVETRAIN": {
        "4wd": ("4x4", "4WD", "Four Wheel Drive", "4 Wheel Drive", "4X4"),
        "awd": ("All Wheel Drive", "All-Wheel Drive", "Quattro", "xDrive", "4Matic", "4Motion"),
        "fwd": ("Front Wheel Drive", "Front-Wheel Drive"),
        "rwd": ("Rear Wheel Drive", "Rear-Wheel Drive"),
    },
    "FUEL": {
        "gasoline": ("Gas", "Petrol", "Benzin", "Unleaded"),
        "diesel": ("TDI", "Turbodiesel", "Turbo Diesel", "BlueTEC"),
        "electric": ("EV", "Elektro"),
        "hybrid-electric": ("Hybrid", "Gas/Hybrid"),
        "hybrid": ("Hybrid-Electric", "Plug-in Hybrid", "PHEV", "Gas/Hybrid"),
        "flex fuel": ("Flex-Fuel", "FFV"),
    },
    "BODY": {
        "sedan": ("Saloon", "Limousine"),
        "coupe": ("Coupé", "Hardtop"),
        "convertible": ("Cabriolet", "Cabrio", "Roadster"),
        "hatchback": ("Hatch",),
        "wagon": ("Estate", "Kombi", "Station Wagon"),
        "suv": ("Sport Utility",),
        "pickup": ("Pickup Truck", "Pick-up", "Truck"),
        "pickup truck": ("Pickup", "Pick-up", "Truck"),
        "minivan": ("Van", "Mini Van"),
    },
    "ENGINE": {
        "electric": ("Electric Motor", "Dual Motor"),  # a bare "Electric" in a title is the fuel
    },
    "COLOR": {
        "gray": ("Grey", "Gunmetal", "Charcoal", "Graphite"),
        "grey": ("Gray", "Charcoal"),
        "silver": ("Silber", "Quicksilver"),
        "black": ("Schwarz",),
        "white": ("Weiss", "Weiß"),
        "red": ("Rot",),
        "blue": ("Blau",),
    },
}


# Words that extend a match on either side, as sellers write them ("4dr Sedan", "Sedan 4D",
# "6-Speed Automatic", "Jet Black Metallic", "All Electric"): regexes around the value's pattern.
_DOORS = r"\d\s?-?\s?(?:dr|door|d)"
_SHADES = (
    "jet|midnight|obsidian|alpine|pearl|triple|guards|onyx|deep|dark|light|bright|crystal|arctic|summit|"
    "oxford|candy|royal|brilliant|granite|magnetic|velvet|pure|glacier|polar|bianco|nero|rosso"
)
EXTENSIONS: dict[str, tuple[str, str]] = {
    "BODY": (
        rf"(?:(?:{_DOORS}|cargo|passenger|crew\s?cab|extended\s?cab|regular\s?cab)\s)?",
        rf"(?:\s{_DOORS})?",
    ),
    "TRANSMISSION": (r"(?:\d{1,2}\s?-?\s?(?:speed|spd)\s)?", ""),
    "COLOR": (rf"(?:(?:{_SHADES})\s)?", r"(?:\s(?:metallic|pearl|pearlcoat|clearcoat|tricoat))?"),
    "FUEL": (r"(?:all\s)?", ""),
}

# Values so self-evident that they are labelled even when the seller left the item specific out
# ("Sedan", "AWD", "6-Speed Manual"): checked only for labels whose specific is missing.
SELF_EVIDENT: dict[str, tuple[str, ...]] = {
    "BODY": (
        "Sedan",
        "Coupe",
        "Convertible",
        "Hatchback",
        "Wagon",
        "SUV",
        "Sport Utility",
        "Minivan",
        "Pickup",
        "Pickup Truck",
        "Hardtop",
        "Cargo Van",
    ),
    "TRANSMISSION": ("Automatic", "Manual", "CVT", "5MT", "6MT"),
    "DRIVETRAIN": ("AWD", "4WD", "FWD", "RWD", "4x4", "All Wheel Drive", "Four Wheel Drive"),
    "FUEL": ("Diesel", "Hybrid", "Gas/Hybrid", "Plug-in Hybrid", "Flex Fuel"),
}
