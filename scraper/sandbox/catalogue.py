# ruff: noqa: E501  (the catalogue table below keeps one model per line)
"""A catalogue of real car makes, models and characteristics, and the real-world surface variants of each.

The sandbox generator draws listings from it, and pre-annotation may reuse the alias tables
(`MAKE_ALIASES`, `model_variants`, `surfaces`) because they describe how sellers really write names
("Chevy", "VW", "3 Series", "F150"), not the answers of any one generated listing.
Model names follow eBay Motors' own spelling ("3-Series", "S-Class", "Bel Air/150/210").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

CURRENT_YEAR = 2025


@dataclass(frozen=True)
class CarModel:
    """One model of a make as eBay Motors lists it, with what a listing of it may carry."""

    make: str
    name: str
    years: tuple[int, int]
    body: str
    trims: tuple[str, ...]
    engines: tuple[str, ...]
    drives: tuple[str, ...]
    # the model years it was sold in, where they have gaps (vPIC: the Impala 1981-85, 2000-); () = `years`
    ranges: tuple[tuple[int, int], ...] = ()

    @property
    def model_years(self) -> int:
        """How many model years it was sold: how much of it is on the road, roughly."""
        return sum(b - a + 1 for a, b in self.ranges) if self.ranges else self.years[1] - self.years[0] + 1


# One line per model: "Model | first-last year | body | trims, ... | engines, ... | drives, ..."
# (empty engines/drives fall back to the body type's defaults below).
_RAW = """
[Acura]
RL | 1996-2012 | Sedan | Base, Technology, SH-AWD | 3.5L V6, 3.7L V6 | FWD, AWD
Legend | 1986-1995 | Sedan | L, LS, GS, Base | 3.2L V6, 2.7L V6 | FWD
TL | 1996-2014 | Sedan | Base, Type-S, SH-AWD, Technology | 3.2L V6, 3.5L V6, 3.7L V6 | FWD, AWD
TLX | 2015-2025 | Sedan | Base, Technology, A-Spec, Type S, Advance | 2.4L I4, 2.0L I4, 3.5L V6, 3.0L V6 | FWD, AWD
ILX | 2013-2022 | Sedan | Base, Premium, A-Spec, Technology | 2.4L I4 | FWD
TSX | 2004-2014 | Sedan | Base, Technology, Special Edition | 2.4L I4, 3.5L V6 | FWD
RDX | 2007-2025 | SUV | Base, Technology, A-Spec, Advance | 2.3L I4, 3.5L V6, 2.0L I4 | FWD, AWD
MDX | 2001-2025 | SUV | Base, Technology, Advance, Type S | 3.5L V6, 3.7L V6, 3.0L V6 | AWD
Integra | 1986-2025 | Hatchback | LS, GS, GS-R, Type R, A-Spec | 1.8L I4, 1.5L I4, 2.0L I4 | FWD
NSX | 1991-2022 | Coupe | Base, Type S | 3.0L V6, 3.2L V6, 3.5L V6 | RWD, AWD
[Alfa Romeo]
Giulia | 2017-2025 | Sedan | Base, Ti, Sprint, Veloce, Quadrifoglio | 2.0L I4, 2.9L V6 | RWD, AWD
Stelvio | 2018-2025 | SUV | Base, Ti, Sprint, Veloce, Quadrifoglio | 2.0L I4, 2.9L V6 | AWD
Spider | 1966-1994 | Convertible | Veloce, Graduate, Quadrifoglio | 2.0L I4, 1.6L I4 | RWD
GTV | 1970-1995 | Coupe | 2.5, V6, 6 | 2.5L V6, 2.0L I4 | RWD
4C | 2015-2020 | Coupe | Base, Spider, Launch Edition | 1.7L I4 | RWD
[AMC]
Javelin | 1968-1974 | Coupe | SST, AMX, Base | 5.9L V8, 5.0L V8, 3.8L I6 | RWD
Hornet | 1970-1977 | Sedan | SST, Sportabout, Base | 3.8L I6, 5.0L V8 | RWD
Gremlin | 1970-1978 | Hatchback | X, Base | 3.8L I6, 4.2L I6 | RWD
Eagle | 1980-1988 | Wagon | Base, Limited, Sport | 4.2L I6 | 4WD
[Aston Martin]
Rapide | 2010-2020 | Sedan | Base, S, AMR | 6.0L V12 | RWD
DB9 | 2004-2016 | Coupe | Base, Volante, GT | 6.0L V12 | RWD
Vantage | 2006-2025 | Coupe | V8, V12, Roadster, F1 Edition | 4.7L V8, 4.0L V8, 6.0L V12 | RWD
DB11 | 2017-2023 | Coupe | V8, V12, AMR, Volante | 4.0L V8, 5.2L V12 | RWD
[Audi]
A5 | 2008-2025 | Coupe | Premium, Premium Plus, Prestige, Sportback | 2.0L I4, 3.2L V6 | AWD, FWD
A7 | 2012-2025 | Sedan | Premium, Premium Plus, Prestige | 3.0L V6 | AWD
S5 | 2008-2025 | Coupe | Premium Plus, Prestige, Sportback | 3.0L V6, 4.2L V8 | AWD
S7 | 2013-2025 | Sedan | Premium Plus, Prestige | 4.0L V8, 2.9L V6 | AWD
5000 | 1978-1988 | Sedan | S, CS, Turbo, CS Quattro | 2.2L I5, 2.3L I5 | FWD, AWD
A4 | 1996-2025 | Sedan | Premium, Premium Plus, Prestige, S-Line, 2.0T, 1.8T, B5, B8 | 2.0L I4, 1.8L I4, 3.2L V6 | FWD, AWD
A3 | 2006-2025 | Sedan | Premium, Premium Plus, Prestige, S-Line | 2.0L I4, 1.8L I4 | FWD, AWD
A6 | 1995-2025 | Sedan | Premium, Premium Plus, Prestige, 3.0T, 2.8 | 3.0L V6, 2.0L I4, 3.2L V6, 2.8L V6 | AWD, FWD
A8 | 1997-2025 | Sedan | L, Base, 4.2, 3.0T, W12, D3, 4.0T | 4.2L V8, 3.0L V6, 4.0L V8, 6.3L W12 | AWD
S3 | 2015-2025 | Sedan | Premium, Premium Plus, Prestige | 2.0L I4 | AWD
S4 | 2000-2025 | Sedan | Premium, Premium Plus, Prestige | 3.0L V6, 4.2L V8 | AWD
S6 | 2002-2025 | Sedan | Premium Plus, Prestige | 4.0L V8, 2.9L V6, 5.2L V10 | AWD
S8 | 2001-2025 | Sedan | Plus, Base | 4.0L V8, 5.2L V10, 4.2L V8 | AWD
RS 3 | 2017-2025 | Sedan | Base, 2.5T | 2.5L I5 | AWD
RS 5 | 2013-2025 | Coupe | Base, Sportback | 2.9L V6, 4.2L V8 | AWD
Q5 | 2009-2025 | SUV | Premium, Premium Plus, Prestige, S-Line | 2.0L I4, 3.2L V6, 3.0L V6 | AWD
Q7 | 2007-2025 | SUV | Premium, Premium Plus, Prestige | 3.0L V6, 3.6L V6, 4.2L V8 | AWD
TT | 2000-2023 | Coupe | Base, 2.0T quattro, RS, S | 1.8L I4, 2.0L I4, 3.2L V6 | FWD, AWD
e-tron | 2019-2025 | SUV | Premium, Premium Plus, Prestige | Electric | AWD
100 | 1969-1994 | Sedan | CS, Base, CS Quattro | 2.3L I5, 2.8L V6 | FWD, AWD
[Bentley]
Arnage | 1998-2009 | Sedan | T, R, RL, Red Label, Green Label | 6.75L V8, 4.4L V8 | RWD
Mulsanne | 1980-2020 | Sedan | Base, Speed, Turbo | 6.75L V8 | RWD
Continental | 2003-2025 | Coupe | GT, GTC, GT Speed, Supersports, Flying Spur | 6.0L W12, 4.0L V8 | AWD
Flying Spur | 2006-2025 | Sedan | Base, V8, Speed, W12 | 6.0L W12, 4.0L V8 | AWD
Bentayga | 2016-2025 | SUV | V8, W12, Speed, Azure | 4.0L V8, 6.0L W12 | AWD
Brooklands | 1992-1998 | Sedan | Base, R | 6.75L V8 | RWD
R | 1952-1955 | Sedan | Type, Standard Steel | 4.6L I6 | RWD
[BMW]
1-Series | 2008-2013 | Coupe | 128i, 135i, 1M | 3.0L I6 | RWD
2002 | 1968-1976 | Sedan | tii, Base, Turbo | 2.0L I4 | RWD
3-Series | 1977-2025 | Sedan | 318i, 320i, 325i, 328i, 330i, 335i, 340i, 330e, M340i, 328d, M Sport, 330i M Sport, 325xi, XI, E46 330i, E36 325i, E30, E90 328i, F30 | 2.0L I4, 2.5L I6, 3.0L I6, 1.8L I4 | RWD, AWD
5-Series | 1975-2025 | Sedan | 525i, 528i, 530i, 535i, 540i, 545i, 550i, M550i, M Sport, 540i M Sport, 530xi, E39 540i, E34 535i, E60, F10 | 3.0L I6, 4.4L V8, 2.0L I4, 2.5L I6 | RWD, AWD
7-Series | 1978-2025 | Sedan | 740i, 740Li, 750i, 750Li, 760Li, M760i, 740il, Alpina B7, E38 740iL, M Sport | 4.4L V8, 3.0L I6, 6.0L V12, 6.6L V12 | RWD, AWD
6-Series | 1977-2019 | Coupe | 635CSi, 640i, 650i, Alpina B6, M Sport, E24 635CSi | 4.4L V8, 3.0L I6, 4.8L V8 | RWD, AWD
4-Series | 2014-2025 | Coupe | 428i, 430i, 435i, 440i, M440i, M Sport | 2.0L I4, 3.0L I6 | RWD, AWD
2-Series | 2014-2025 | Coupe | 228i, 230i, M235i, M240i | 2.0L I4, 3.0L I6 | RWD, AWD
8-Series | 1990-2025 | Coupe | 840Ci, 850i, 840i, M850i | 4.4L V8, 5.0L V12, 3.0L I6 | RWD, AWD
M3 | 1988-2025 | Sedan | Base, Competition, CS, E46, E92 | 3.2L I6, 4.0L V8, 3.0L I6, 2.3L I4 | RWD, AWD
M5 | 1988-2025 | Sedan | Base, Competition, CS | 4.9L V8, 5.0L V10, 4.4L V8, 3.6L I6 | RWD, AWD
M6 | 1987-2018 | Coupe | Base, Competition | 5.0L V10, 4.4L V8 | RWD
X3 | 2004-2025 | SUV | xDrive28i, xDrive30i, sDrive30i, M40i | 2.0L I4, 3.0L I6 | AWD
X5 | 2000-2025 | SUV | xDrive35i, xDrive40i, xDrive50i, 4.4i, M50i | 3.0L I6, 4.4L V8, 4.8L V8 | AWD
X7 | 2019-2025 | SUV | xDrive40i, M60i, Alpina XB7 | 3.0L I6, 4.4L V8 | AWD
Z4 | 2003-2025 | Convertible | sDrive30i, M40i, 3.0i, 2.5i, sDrive35i | 3.0L I6, 2.5L I6, 2.0L I4 | RWD
i4 | 2022-2025 | Sedan | eDrive35, eDrive40, M50 | Electric | RWD, AWD
[Buick]
Electra | 1959-1990 | Sedan | 225, Park Avenue, Limited | 7.5L V8, 3.8L V6, 6.6L V8 | RWD, FWD
Special | 1936-1969 | Sedan | Deluxe, Skylark, Series 40 | 4.1L I8, 5.0L V8 | RWD
Lucerne | 2006-2011 | Sedan | CX, CXL, CXS, Super | 3.8L V6, 4.6L V8, 3.9L V6 | FWD
Verano | 2012-2017 | Sedan | Base, Convenience, Leather, Premium, Sport Touring | 2.4L I4, 2.0L I4 | FWD
Grand National | 1982-1987 | Coupe | Base, GNX, T-Type | 3.8L V6 | RWD
Super | 1940-1958 | Sedan | Series 50, Riviera, Eight | 4.2L I8, 5.3L V8 | RWD
Century | 1936-2005 | Sedan | Custom, Limited, Special | 3.1L V6, 5.2L I8, 3.8L V6 | FWD, RWD
Riviera | 1963-1999 | Coupe | Base, Gran Sport, Supercharged | 7.0L V8, 3.8L V6, 5.7L V8 | RWD, FWD
Roadmaster | 1936-1996 | Sedan | Limited, Estate, Base | 5.7L V8, 5.3L V8 | RWD
LeSabre | 1959-2005 | Sedan | Custom, Limited, Celebration Edition | 3.8L V6 | FWD
Park Avenue | 1991-2005 | Sedan | Base, Ultra | 3.8L V6 | FWD
Lacrosse | 2005-2019 | Sedan | CX, CXL, CXS, Premium, Essence | 3.6L V6, 2.4L I4 | FWD, AWD
Regal | 1973-2020 | Sedan | GS, Turbo, Essence, Premium | 2.0L I4, 3.8L V6 | FWD
Enclave | 2008-2025 | SUV | Essence, Premium, Avenir, Leather | 3.6L V6 | FWD, AWD
Encore | 2013-2025 | SUV | Preferred, Sport Touring, Essence | 1.4L I4, 1.2L I3 | FWD, AWD
Skylark | 1953-1998 | Coupe | Custom, Gran Sport, Base | 5.7L V8, 5.3L V8, 2.5L I4 | RWD, FWD
[Cadillac]
ATS | 2013-2019 | Sedan | Base, Luxury, Performance, Premium, ATS-V | 2.0L I4, 3.6L V6, 2.5L I4 | RWD, AWD
XTS | 2013-2019 | Sedan | Base, Luxury, Premium, Platinum, V-Sport | 3.6L V6 | FWD, AWD
DTS | 2006-2011 | Sedan | Base, Luxury, Performance, Platinum | 4.6L V8 | FWD
STS | 2005-2011 | Sedan | Base, V6, V8, STS-V | 3.6L V6, 4.6L V8 | RWD, AWD
Sixty Special | 1938-1993 | Sedan | Fleetwood, Brougham, Base | 5.7L V8, 6.4L V8, 7.0L V8 | RWD
DeVille | 1959-2005 | Sedan | Base, DHS, DTS, Sedan de Ville, Concours | 4.6L V8, 7.0L V8, 4.9L V8 | FWD, RWD
Fleetwood | 1950-1996 | Sedan | Brougham, Sixty Special, Base, 75 | 5.7L V8, 6.0L V8, 4.9L V8 | RWD
Brougham | 1987-1992 | Sedan | Base, d'Elegance | 5.0L V8, 5.7L V8 | RWD
Series 62 | 1940-1964 | Sedan | Coupe de Ville, Base, Series 62 | 5.4L V8, 6.0L V8 | RWD
CTS | 2003-2019 | Sedan | Base, Luxury, Performance, Premium, CTS-V, V-Sport, Hi Feature | 3.6L V6, 3.0L V6, 2.0L I4 Turbo, 6.2L V8 Supercharged, 3.6L V6 Twin-Turbo | RWD, AWD
CT4 | 2020-2025 | Sedan | Luxury, Premium Luxury, Sport, V, V Blackwing | 2.0L I4, 2.7L I4, 3.6L V6 | RWD, AWD
CT5 | 2020-2025 | Sedan | Luxury, Premium Luxury, Sport, V, V Blackwing | 2.0L I4, 3.0L V6, 6.2L V8 | RWD, AWD
CT6 | 2016-2020 | Sedan | Luxury, Premium Luxury, Platinum, Sport | 3.6L V6, 3.0L V6, 2.0L I4 | RWD, AWD
Escalade | 1999-2025 | SUV | Base, Luxury, Premium Luxury, Platinum, ESV, Sport | 6.2L V8, 5.3L V8, 6.0L V8 | 4WD, AWD, RWD
Eldorado | 1953-2002 | Coupe | Biarritz, Touring Coupe, ETC, Base | 8.2L V8, 4.6L V8, 7.0L V8 | FWD, RWD
Seville | 1976-2004 | Sedan | STS, SLS, Base | 4.6L V8, 4.9L V8 | FWD, RWD
LaSalle | 1927-1940 | Sedan | Series 50, Series 52, Base | 5.3L V8 | RWD
XT5 | 2017-2025 | SUV | Luxury, Premium Luxury, Sport | 3.6L V6, 2.0L I4 | FWD, AWD
[Chevrolet]
Biscayne | 1958-1972 | Sedan | Base, Fleetmaster | 4.6L V8, 3.9L I6, 5.4L V8 | RWD
Sedan Delivery | 1935-1960 | Wagon | Base, Deluxe, 1500 | 3.5L I6, 3.9L I6 | RWD
Master | 1933-1942 | Sedan | Deluxe, Master Deluxe, Town Sedan | 3.4L I6, 3.5L I6 | RWD
Hot Rod / Street Rod | 1928-1972 | Coupe | Custom, Resto Mod, Street Rod, Pro Touring | 5.7L V8, 6.2L V8, 5.0L V8 | RWD
Cavalier | 1982-2005 | Sedan | Base, LS, Z24, RS, VL | 2.2L I4, 2.4L I4 | FWD
Cobalt | 2005-2010 | Sedan | LS, LT, SS, XFE | 2.2L I4, 2.0L I4 | FWD
Lumina | 1990-2001 | Sedan | LS, LTZ, Euro, Base | 3.1L V6, 3.8L V6 | FWD
Bel Air/150/210 | 1950-1975 | Sedan | Bel Air, 150, 210, Nomad, Sport Coupe | 4.6L V8, 3.9L I6, 5.7L V8, 4.3L V8 | RWD
Impala | 1958-2020 | Sedan | SS, LT, LS, LTZ, Premier, Sport Coupe | 5.7L V8, 3.6L V6, 3.5L V6, 6.5L V8 | RWD, FWD
Caprice | 1965-2017 | Sedan | Classic, LS, Brougham, PPV, Estate | 5.7L V8, 5.0L V8, 4.3L V8, 6.0L V8 | RWD
Chevelle | 1964-1977 | Coupe | Malibu, SS, 300 Deluxe, Super Sport | 5.7L V8, 6.5L V8, 3.8L I6, 7.4L V8 | RWD
Malibu | 1964-2025 | Sedan | LS, LT, LTZ, Premier, RS, Maxx | 1.5L I4, 2.5L I4, 3.5L V6, 5.7L V8 | FWD, RWD
Corvair | 1960-1969 | Coupe | Monza, 500, 700, Corsa | 2.7L H6, 2.4L H6 | RWD
Deluxe | 1937-1952 | Sedan | Master Deluxe, Special Deluxe, Styleline, Fleetline | 3.5L I6, 3.9L I6 | RWD
Fleetline | 1941-1952 | Sedan | Deluxe, Aerosedan, Special | 3.5L I6, 3.9L I6 | RWD
Styleline | 1949-1952 | Sedan | Deluxe, Special, Sedan Delivery | 3.5L I6, 3.9L I6 | RWD
Camaro | 1967-2025 | Coupe | SS, RS, Z28, ZL1, LT, 1LT, 2SS, IROC-Z | 6.2L V8, 5.7L V8, 3.6L V6, 5.0L V8, 2.0L I4 | RWD
Corvette | 1953-2025 | Coupe | Base, Z06, Grand Sport, Stingray, Z51, 3LT, ZR1, C5, C6 | 6.2L V8, 5.7L V8, 5.5L V8, 7.0L V8 | RWD
Silverado 1500 | 1999-2025 | Pickup | LT, LTZ, High Country, RST, Work Truck, Trail Boss, Z71 | 5.3L V8, 6.2L V8, 4.3L V6, 3.0L I6 Diesel | 4WD, RWD
Tahoe | 1995-2025 | SUV | LS, LT, LTZ, Premier, Z71, RST, High Country | 5.3L V8, 6.2L V8 | 4WD, RWD
Suburban | 1935-2025 | SUV | LS, LT, LTZ, Premier, 2500 | 5.3L V8, 6.0L V8, 8.1L V8 | 4WD, RWD
Equinox | 2005-2025 | SUV | LS, LT, Premier, RS | 1.5L I4, 2.4L I4, 3.6L V6 | FWD, AWD
Cruze | 2011-2019 | Sedan | LS, LT, Eco, Premier, Diesel | 1.4L I4, 1.8L I4, 2.0L I4 Diesel | FWD
Monte Carlo | 1970-2007 | Coupe | SS, LS, LT, Luxury Sport | 5.7L V8, 3.8L V6, 5.3L V8 | RWD, FWD
Nova | 1962-1979 | Sedan | SS, Custom, Super Sport | 5.7L V8, 4.1L I6 | RWD
SS | 2014-2017 | Sedan | Base | 6.2L V8 | RWD
Bolt EV | 2017-2023 | Hatchback | LT, Premier, 1LT, 2LT | Electric | FWD
C10 | 1960-1987 | Pickup | Custom, Cheyenne, Silverado, Scottsdale, Stepside | 5.7L V8, 4.1L I6, 5.0L V8 | RWD
[Chrysler]
200 | 2011-2017 | Sedan | LX, Limited, Touring, S, C | 2.4L I4, 3.6L V6 | FWD, AWD
Newport | 1961-1981 | Sedan | Custom, Royal, Base | 6.3L V8, 6.6L V8, 7.2L V8 | RWD
Windsor | 1939-1961 | Sedan | Deluxe, Highlander, Newport | 4.1L I6, 5.4L V8 | RWD
Concorde | 1993-2004 | Sedan | LX, LXi, Limited | 3.5L V6, 2.7L V6 | FWD
300 Series | 2005-2023 | Sedan | Touring, Limited, S, C, 300C, SRT8, Base, 300S | 3.6L V6, 5.7L V8 HEMI, 6.4L V8 HEMI, 3.5L V6, 5.7L V8 | RWD, AWD
Pacifica | 2004-2025 | Minivan | Touring, Touring L, Limited, Pinnacle, Hybrid | 3.6L V6 | FWD, AWD
New Yorker | 1940-1996 | Sedan | Fifth Avenue, Landau, Salon, Base | 3.5L V6, 6.8L V8, 5.2L V8 | RWD, FWD
Imperial | 1955-1993 | Sedan | Crown, LeBaron, Custom | 6.8L V8, 7.2L V8 | RWD
Town & Country | 1990-2016 | Minivan | Touring, Limited, LX, Touring-L | 3.6L V6, 3.8L V6 | FWD
PT Cruiser | 2001-2010 | Wagon | Touring, Limited, GT, Base | 2.4L I4 | FWD
Sebring | 1995-2010 | Sedan | LX, LXi, Touring, Limited | 2.4L I4, 2.7L V6 | FWD
[Dodge]
Polara | 1960-1973 | Sedan | 500, Custom, Base | 6.3L V8, 5.2L V8, 6.9L V8 | RWD
Monaco | 1965-1978 | Sedan | 500, Brougham, Royal | 6.3L V8, 7.2L V8 | RWD
Intrepid | 1993-2004 | Sedan | SE, ES, SXT, R/T | 3.5L V6, 2.7L V6 | FWD
Neon | 1995-2005 | Sedan | SE, SXT, ES, R/T, SRT-4 | 2.0L I4, 2.4L I4 | FWD
Stratus | 1995-2006 | Sedan | SE, SXT, ES, R/T | 2.4L I4, 2.7L V6 | FWD
Charger | 1966-2025 | Sedan | SXT, R/T, Scat Pack, SRT Hellcat, GT, Police, Daytona, Widebody, SRT 392, Scat Pack Widebody | 5.7L V8 HEMI, 6.4L V8 HEMI, 3.6L V6, 6.2L V8 Supercharged, 7.2L V8, 5.7L V8 | RWD, AWD
Challenger | 1970-2023 | Coupe | SXT, R/T, Scat Pack, SRT Hellcat, GT, Demon, T/A | 5.7L V8 HEMI, 6.4L V8 HEMI, 3.6L V6, 6.2L V8 Supercharged, 5.7L V8 | RWD, AWD
Dart | 1960-2016 | Sedan | Swinger, GT, Custom, SXT, Rallye, Demon | 5.2L V8, 3.7L I6, 2.0L I4, 5.6L V8 | RWD, FWD
Durango | 1998-2025 | SUV | SXT, GT, Citadel, R/T, SRT, Limited | 3.6L V6, 5.7L V8, 6.4L V8 | RWD, AWD, 4WD
Grand Caravan | 1987-2020 | Minivan | SE, SXT, GT, Crew | 3.6L V6, 3.3L V6 | FWD
Viper | 1992-2017 | Convertible | RT/10, GTS, SRT-10, ACR, GTC | 8.0L V10, 8.4L V10 | RWD
Avenger | 2008-2014 | Sedan | SE, SXT, R/T, Express | 2.4L I4, 3.6L V6 | FWD
Coronet | 1949-1976 | Sedan | 440, 500, Super Bee, Deluxe | 5.2L V8, 6.3L V8, 7.2L V8 | RWD
Sedan | 1914-1960 | Sedan | Deluxe, Custom, Coronet | 3.6L I6, 3.8L I6 | RWD
[Ferrari]
F430 | 2005-2009 | Coupe | Spider, F1, Scuderia, Base | 4.3L V8 | RWD
California | 2009-2017 | Convertible | Base, T, 30 | 4.3L V8, 3.9L V8 | RWD
458 Italia | 2010-2015 | Coupe | Base, Spider, Speciale | 4.5L V8 | RWD
308 | 1975-1985 | Coupe | GTB, GTS, GTSi, Quattrovalvole | 2.9L V8 | RWD
[Fiat]
500 | 2012-2019 | Hatchback | Pop, Lounge, Sport, Abarth | 1.4L I4, 1.4L I4 Turbo | FWD
124 Spider | 1968-2020 | Convertible | Classica, Lusso, Abarth | 1.4L I4, 2.0L I4 | RWD
[Ford]
Hot Rod / Street Rod | 1928-1972 | Coupe | Custom, Resto Mod, Street Rod, Highboy | 5.0L V8, 5.7L V8, 3.6L V8 | RWD
Custom | 1949-1972 | Sedan | Custom 500, Deluxe, Tudor | 3.9L V8, 3.7L I6 | RWD
Falcon | 1960-1970 | Sedan | Futura, Deluxe, Sprint, Ranchero | 2.8L I6, 4.7L V8, 3.3L I6 | RWD
LTD | 1965-1986 | Sedan | Country Squire, Brougham, Landau, Crown Victoria | 5.8L V8, 6.6L V8, 5.0L V8 | RWD
Five Hundred | 2005-2007 | Sedan | SE, SEL, Limited | 3.0L V6 | FWD, AWD
Granada | 1975-1982 | Sedan | Ghia, ESS, Base | 4.1L I6, 5.0L V8 | RWD
Mustang | 1964-2025 | Coupe | GT, EcoBoost, LX, Mach 1, Shelby GT350, Bullitt, GT Premium, Cobra | 5.0L V8, 2.3L I4, 4.6L V8, 3.7L V6, 4.7L V8 | RWD
F-150 | 1975-2025 | Pickup | XL, XLT, Lariat, King Ranch, Platinum, Raptor, FX4, Limited | 5.0L V8, 3.5L V6, 2.7L V6, 5.4L V8, 4.9L I6 | 4WD, RWD
F-250 | 1975-2025 | Pickup | XL, XLT, Lariat, King Ranch, Super Duty | 6.7L V8 Diesel, 7.3L V8 Diesel, 6.2L V8, 6.0L V8 Diesel | 4WD, RWD
Ranger | 1983-2025 | Pickup | XL, XLT, Lariat, Edge, FX4 | 2.3L I4, 3.0L V6, 4.0L V6 | 4WD, RWD
Bronco | 1966-2025 | SUV | Base, Big Bend, Badlands, Wildtrak, Outer Banks, Eddie Bauer | 2.7L V6, 2.3L I4, 5.0L V8, 5.8L V8 | 4WD
Explorer | 1991-2025 | SUV | XLT, Limited, Platinum, ST, Eddie Bauer, Sport | 3.5L V6, 2.3L I4, 4.0L V6, 3.0L V6 | 4WD, AWD, RWD
Expedition | 1997-2025 | SUV | XLT, Limited, King Ranch, Platinum, Max | 3.5L V6, 5.4L V8 | 4WD, RWD
Escape | 2001-2025 | SUV | S, SE, SEL, Titanium, Hybrid | 1.5L I3, 2.0L I4, 2.5L I4, 3.0L V6 | FWD, AWD
Focus | 2000-2018 | Sedan | S, SE, SEL, ZX4, ST, RS, Titanium | 2.0L I4, 2.3L I4, 1.0L I3 | FWD, AWD
Fusion | 2006-2020 | Sedan | S, SE, SEL, Titanium, Sport, Hybrid, Energi | 2.5L I4, 1.5L I4, 2.0L I4, 2.7L V6 | FWD, AWD
Taurus | 1986-2019 | Sedan | SE, SEL, Limited, SHO, Police Interceptor, LX, GL | 3.5L V6, 3.0L V6, 2.0L I4 | FWD, AWD
Crown Victoria | 1992-2011 | Sedan | LX, Police Interceptor, Base, P7B, Sport | 4.6L V8 | RWD
Fiesta | 2011-2019 | Hatchback | S, SE, Titanium, ST | 1.6L I4, 1.0L I3 | FWD
Thunderbird | 1955-2005 | Coupe | Base, Turbo Coupe, LX, Super Coupe, Landau | 4.8L V8, 5.0L V8, 3.9L V8, 7.0L V8 | RWD
Fairlane | 1955-1970 | Sedan | 500, Skyliner, Sunliner, Crown Victoria, Town Sedan | 4.8L V8, 5.8L V8, 3.7L I6 | RWD
Galaxie | 1959-1974 | Sedan | 500, 500 XL, Sunliner, LTD | 5.8L V8, 6.4L V8, 7.0L V8 | RWD
Model A | 1927-1931 | Sedan | Tudor, Fordor, Deluxe, Roadster, Coupe | 3.3L I4 | RWD
Model T | 1908-1927 | Sedan | Touring, Runabout, Tudor, Speedster | 2.9L I4 | RWD
Deluxe | 1935-1948 | Sedan | Tudor, Fordor, Super Deluxe, Business Coupe | 3.6L V8, 3.7L I6 | RWD
Country Sedan | 1952-1974 | Wagon | Custom Line, Base, Custom 500 | 3.7L I6, 5.4L V8, 4.8L V8 | RWD
Anglia | 1939-1967 | Sedan | 105E, Deluxe, Super | 1.0L I4, 1.2L I4 | RWD
Sedan | 1932-1948 | Sedan | Tudor, Fordor, Deluxe | 3.6L V8 | RWD
Edge | 2007-2024 | SUV | SE, SEL, Titanium, ST, Sport | 2.0L I4, 3.5L V6, 2.7L V6 | FWD, AWD
Maverick | 1970-2025 | Pickup | XL, XLT, Lariat, Hybrid | 2.0L I4, 2.5L I4 | FWD, AWD
Mustang Mach-E | 2021-2025 | SUV | Select, Premium, GT, California Route 1 | Electric | RWD, AWD
[Genesis]
G70 | 2019-2025 | Sedan | 2.0T, 3.3T, Sport, Prestige | 2.0L I4, 3.3L V6 | RWD, AWD
G80 | 2017-2025 | Sedan | 3.8, 2.5T, 3.5T, Sport | 3.8L V6, 3.3L V6, 2.5L I4 | RWD, AWD
G90 | 2017-2025 | Sedan | 3.3T, 5.0, Premium, Prestige | 3.3L V6, 5.0L V8, 3.5L V6 | RWD, AWD
GV70 | 2022-2025 | SUV | 2.5T, 3.5T, Sport Prestige | 2.5L I4, 3.5L V6 | AWD
[GMC]
Sierra 1500 | 1999-2025 | Pickup | SLE, SLT, Denali, AT4, Elevation | 5.3L V8, 6.2L V8, 4.3L V6 | 4WD, RWD
Yukon | 1992-2025 | SUV | SLE, SLT, Denali, XL, AT4 | 5.3L V8, 6.2L V8 | 4WD, RWD
Acadia | 2007-2025 | SUV | SLE, SLT, Denali, AT4 | 3.6L V6, 2.5L I4 | FWD, AWD
Sonoma | 1991-2004 | Pickup | SLS, SLE, Base | 4.3L V6, 2.2L I4 | RWD, 4WD
[Honda]
Civic | 1973-2025 | Sedan | LX, EX, EX-L, Si, Sport, Touring, Type R, DX, Hybrid | 2.0L I4, 1.5L I4, 1.8L I4, 1.6L I4 | FWD
Accord | 1976-2025 | Sedan | LX, EX, EX-L, Sport, Touring, SE, Hybrid, Touring Hybrid | 2.4L I4, 1.5L I4, 3.0L V6, 3.5L V6, 2.0L I4 | FWD
CR-V | 1997-2025 | SUV | LX, EX, EX-L, Touring, SE | 2.4L I4, 1.5L I4, 2.0L I4 | FWD, AWD
Pilot | 2003-2025 | SUV | LX, EX, EX-L, Touring, Elite, TrailSport | 3.5L V6 | FWD, AWD
Odyssey | 1995-2025 | Minivan | LX, EX, EX-L, Touring, Elite | 3.5L V6 | FWD
Fit | 2007-2020 | Hatchback | LX, Sport, EX, EX-L | 1.5L I4 | FWD
Insight | 2000-2022 | Sedan | LX, EX, Touring | 1.5L I4 Hybrid, 1.3L I4 | FWD
S2000 | 2000-2009 | Convertible | Base, CR | 2.0L I4, 2.2L I4 | RWD
Prelude | 1979-2001 | Coupe | Si, SH, Type SH, Base | 2.2L I4, 2.0L I4 | FWD
Torneo | 1997-2002 | Sedan | SiR-T, SiR, VTS | 2.0L I4 | FWD
Ridgeline | 2006-2025 | Pickup | RT, RTS, RTL, Sport, Black Edition | 3.5L V6 | AWD, FWD
[Hudson]
Hornet | 1951-1957 | Sedan | Club Coupe, Hollywood, Special | 5.0L I6 | RWD
Commodore | 1941-1952 | Sedan | Custom, Eight, Six | 4.2L I8, 4.3L I6 | RWD
[Hummer]
H2 | 2003-2009 | SUV | Base, SUT, Luxury | 6.0L V8, 6.2L V8 | 4WD
H3 | 2006-2010 | SUV | Base, Alpha, Adventure | 3.7L I5, 5.3L V8 | 4WD
[Hyundai]
Azera | 2006-2017 | Sedan | GLS, Limited, SE | 3.3L V6, 3.8L V6 | FWD
Ioniq | 2017-2022 | Hatchback | Blue, SEL, Limited, Plug-In Hybrid | 1.6L I4 Hybrid | FWD
Elantra | 1992-2025 | Sedan | SE, SEL, Limited, Sport, GLS, N Line, Value Edition, Blue | 2.0L I4, 1.8L I4, 1.6L I4 | FWD
Sonata | 1989-2025 | Sedan | GLS, SE, SEL, Limited, Sport, N Line, Hybrid | 2.4L I4, 2.5L I4, 1.6L I4, 3.3L V6 | FWD
Genesis | 2009-2016 | Sedan | 3.8, 5.0, R-Spec, Ultimate, Sport | 3.8L V6, 5.0L V8, 4.6L V8 | RWD, AWD
Equus | 2011-2016 | Sedan | Signature, Ultimate, Ultimate Edition | 4.6L V8, 5.0L V8 | RWD
Santa Fe | 2001-2025 | SUV | SE, SEL, Limited, Calligraphy, XRT | 2.4L I4, 2.5L I4, 3.3L V6, 2.0L I4 | FWD, AWD
Tucson | 2005-2025 | SUV | SE, SEL, Limited, N Line, Hybrid | 2.0L I4, 2.4L I4, 2.5L I4 | FWD, AWD
Ioniq 5 | 2022-2025 | SUV | SE, SEL, Limited | Electric | RWD, AWD
Veloster | 2012-2022 | Hatchback | Base, Turbo, N, R-Spec | 1.6L I4, 2.0L I4 | FWD
Accent | 1995-2022 | Sedan | GLS, SE, SEL, Limited | 1.6L I4 | FWD
[Infiniti]
Q45 | 1990-2006 | Sedan | Base, Premium, Touring, Sport | 4.5L V8, 4.1L V8 | RWD
Q70 | 2014-2019 | Sedan | Base, L, Sport, Hybrid | 3.7L V6, 5.6L V8 | RWD, AWD
I30 | 1996-2001 | Sedan | Base, Touring, Luxury | 3.0L V6 | FWD
G35 | 2003-2008 | Sedan | Base, x, Journey, Sport | 3.5L V6 | RWD, AWD
G | 2008-2013 | Sedan | G37, G37x, G25, Journey, Sport 6MT | 3.7L V6, 2.5L V6 | RWD, AWD
Q50 | 2014-2025 | Sedan | Luxe, Sport, Red Sport 400, Pure, Premium, Hybrid | 3.0L V6, 3.7L V6, 2.0L I4 | RWD, AWD
M | 2006-2013 | Sedan | M35, M37, M45, M56, Sport | 3.5L V6, 3.7L V6, 4.5L V8, 5.6L V8 | RWD, AWD
M35 | 2006-2010 | Sedan | Base, x, Sport | 3.5L V6 | RWD, AWD
M45 | 2003-2010 | Sedan | Base, Sport, x | 4.5L V8 | RWD, AWD
QX60 | 2014-2025 | SUV | Pure, Luxe, Sensory, Autograph | 3.5L V6 | FWD, AWD
QX80 | 2014-2025 | SUV | Luxe, Premium Select, Sensory, Autograph | 5.6L V8, 3.5L V6 | 4WD, RWD
[Jaguar]
XE | 2017-2020 | Sedan | Premium, Prestige, R-Sport, S | 2.0L I4, 3.0L V6 | RWD, AWD
Mark II | 1959-1967 | Sedan | 3.8, 3.4, 2.4 | 3.8L I6, 3.4L I6 | RWD
Vanden Plas | 1982-2009 | Sedan | Base, Supercharged | 4.2L V8, 4.0L I6 | RWD
XJ | 1968-2019 | Sedan | XJ6, XJ8, XJL, Vanden Plas, Portfolio, Supercharged, XJR | 4.2L I6, 4.0L V8, 5.0L V8, 3.0L V6 | RWD, AWD
XJ12 | 1972-1996 | Sedan | Base, Vanden Plas | 5.3L V12, 6.0L V12 | RWD
XJR | 1995-2009 | Sedan | Base, Supercharged | 4.0L V8, 4.2L V8 | RWD
S-Type | 2000-2008 | Sedan | 3.0, 4.2, R, Base | 3.0L V6, 4.2L V8, 4.0L V8 | RWD
X-Type | 2002-2008 | Sedan | 3.0, 2.5, Sedan, Sport Wagon | 3.0L V6, 2.5L V6 | AWD
XF | 2009-2024 | Sedan | Premium, Portfolio, R-Sport, Supercharged | 5.0L V8, 2.0L I4, 3.0L V6 | RWD, AWD
F-Type | 2014-2024 | Coupe | Base, S, R, R-Dynamic, SVR | 3.0L V6, 5.0L V8, 2.0L I4 | RWD, AWD
E-Type | 1961-1975 | Coupe | Series 1, Series 2, Series 3, Roadster, 2+2 | 3.8L I6, 4.2L I6, 5.3L V12 | RWD
F-Pace | 2017-2025 | SUV | Prestige, Portfolio, S, SVR, R-Dynamic | 2.0L I4, 3.0L V6, 5.0L V8 | AWD
[Jeep]
Grand Cherokee | 1993-2025 | SUV | Laredo, Limited, Overland, Summit, SRT, Trailhawk, Trackhawk, Altitude | 3.6L V6, 5.7L V8, 4.7L V8, 4.0L I6, 6.4L V8, 3.0L V6 Diesel | 4WD, RWD
Wrangler | 1987-2025 | SUV | Sport, Sahara, Rubicon, Unlimited, Willys, X, Altitude, 392 | 3.6L V6, 4.0L I6, 2.0L I4, 3.8L V6, 6.4L V8 | 4WD
Cherokee | 1974-2023 | SUV | Sport, Latitude, Limited, Trailhawk, Classic, XJ | 4.0L I6, 3.2L V6, 2.4L I4 | 4WD, FWD
Gladiator | 2020-2025 | Pickup | Sport, Overland, Rubicon, Mojave | 3.6L V6, 3.0L V6 Diesel | 4WD
Compass | 2007-2025 | SUV | Sport, Latitude, Limited, Trailhawk | 2.4L I4, 2.0L I4 | FWD, 4WD
CJ-7 | 1976-1986 | SUV | Renegade, Laredo, Base | 4.2L I6, 5.0L V8, 2.5L I4 | 4WD
[Karma]
Revero | 2017-2021 | Sedan | Commemorative Edition, GT, GTS | 1.5L I3 Hybrid | RWD
[Kia]
Cadenza | 2014-2020 | Sedan | Premium, Limited, Technology | 3.3L V6 | FWD
K900 | 2015-2020 | Sedan | Luxury, Premium, V8 | 3.3L V6, 5.0L V8 | RWD, AWD
Rio | 2001-2023 | Sedan | LX, S, EX, SX | 1.6L I4 | FWD
Optima | 2001-2020 | Sedan | LX, EX, SX, SXL, Hybrid | 2.4L I4, 2.0L I4 | FWD
Forte | 2010-2025 | Sedan | LX, LXS, EX, GT-Line, GT | 2.0L I4, 1.6L I4 | FWD
K5 | 2021-2025 | Sedan | LXS, GT-Line, EX, GT | 1.6L I4, 2.5L I4 | FWD, AWD
K4 | 2025-2025 | Sedan | LX, LXS, EX, GT-Line | 2.0L I4 | FWD
Soul | 2010-2025 | Hatchback | Base, Plus, Exclaim, LX, EX, GT-Line | 2.0L I4, 1.6L I4 | FWD
Sorento | 2003-2025 | SUV | LX, EX, SX, SXL, X-Line | 2.4L I4, 3.3L V6, 2.5L I4 | FWD, AWD
Telluride | 2020-2025 | SUV | LX, S, EX, SX, X-Pro | 3.8L V6 | FWD, AWD
Stinger | 2018-2023 | Sedan | GT, GT1, GT2, GT-Line, Premium | 3.3L V6, 2.0L I4, 2.5L I4 | RWD, AWD
Sportage | 1995-2025 | SUV | LX, EX, SX, X-Pro | 2.4L I4, 2.0L I4, 2.5L I4 | FWD, AWD
[Lamborghini]
Gallardo | 2004-2014 | Coupe | LP560-4, Spyder, Superleggera, LP550-2 | 5.0L V10, 5.2L V10 | AWD, RWD
Huracan | 2015-2024 | Coupe | LP610-4, EVO, Performante, STO | 5.2L V10 | AWD, RWD
Urus | 2019-2025 | SUV | Base, S, Performante | 4.0L V8 | AWD
[Land Rover]
Range Rover | 1987-2025 | SUV | HSE, Supercharged, Autobiography, SV, Westminster, P400 | 5.0L V8, 3.0L I6, 4.4L V8, 4.2L V8 | 4WD, AWD
Range Rover Sport | 2006-2025 | SUV | HSE, Supercharged, Dynamic, SVR | 5.0L V8, 3.0L V6, 4.4L V8 | 4WD, AWD
Defender | 1993-2025 | SUV | 90, 110, X, SE, 130 | 2.0L I4, 3.0L I6, 5.0L V8, 3.9L V8 | 4WD, AWD
Discovery | 1994-2025 | SUV | SE, HSE, LR3, Series II | 4.0L V8, 3.0L V6, 4.6L V8 | 4WD, AWD
[Lexus]
HS | 2010-2012 | Sedan | 250h, HS 250h, Premium | 2.4L I4 Hybrid | FWD
ES | 1990-2025 | Sedan | 350, 300h, 300, 330, 250, ES 350, ES 300h, ES300, ES 250, F Sport, Base, Ultra Luxury | 3.5L V6, 2.5L I4 Hybrid, 3.0L V6 | FWD, AWD
LS | 1990-2025 | Sedan | 400, 430, 460, 460 L, 500, 600h L, LS 400, LS 430, LS 460, LS500, LS 600h L, Crafted Line, F Sport | 4.0L V8, 4.3L V8, 4.6L V8, 3.5L V6 | RWD, AWD
GS | 1993-2020 | Sedan | 300, 350, 400, 430, GS 300, GS 350, GS 430, F Sport | 3.0L I6, 3.5L V6, 4.3L V8 | RWD, AWD
IS | 1999-2025 | Sedan | 250, 300, 350, IS 250, IS250, IS 300, IS 350, IS F, F Sport | 2.5L V6, 3.5L V6, 2.0L I4, 5.0L V8 | RWD, AWD
ES300h | 2013-2025 | Sedan | Base, Luxury, Ultra Luxury | 2.5L I4 Hybrid | FWD
RX | 1999-2025 | SUV | 350, 450h, 330, RX 350, RX 450h, F Sport | 3.5L V6, 3.3L V6, 2.4L I4 | FWD, AWD
GX | 2003-2025 | SUV | 460, 470, GX 460, GX 470, Premium, Luxury | 4.6L V8, 4.7L V8 | 4WD
LX | 1996-2025 | SUV | 570, 470, LX 570, LX 470, LX 600 | 5.7L V8, 4.7L V8, 3.4L V6 | 4WD
RC | 2015-2025 | Coupe | 350, 300, RC 350, RC F, F Sport, RC 300 | 3.5L V6, 5.0L V8, 2.0L I4 | RWD, AWD
[Lincoln]
LS | 2000-2006 | Sedan | V6, V8, Sport, Ultimate | 3.0L V6, 3.9L V8 | RWD
MKS | 2009-2016 | Sedan | Base, EcoBoost | 3.7L V6, 3.5L V6 | FWD, AWD
Premiere | 1956-1960 | Sedan | Landau, Base | 6.0L V8, 7.0L V8 | RWD
Continental | 1939-2020 | Sedan | Black Label, Select, Reserve, Mark IV, Base, Signature | 3.7L V6, 2.7L V6, 7.5L V8, 7.0L V8, 3.0L V6 | FWD, AWD, RWD
Town Car | 1981-2011 | Sedan | Signature, Signature Limited, Executive, Cartier, Presidential Series, Signature L | 4.6L V8, 5.0L V8 | RWD
MKZ/Zephyr | 2006-2020 | Sedan | Base, Select, Reserve, Hybrid | 3.7L V6, 2.0L I4, 3.5L V6 | FWD, AWD
Navigator | 1998-2025 | SUV | Base, Select, Reserve, Black Label, L | 3.5L V6, 5.4L V8 | 4WD, RWD
Mark | 1956-1998 | Coupe | Mark III, Mark IV, Mark V, Mark VII, Mark VIII | 7.5L V8, 4.6L V8, 5.0L V8 | RWD
[Lotus]
Elise | 2000-2011 | Convertible | Base, SC, R | 1.8L I4 | RWD
Evora | 2010-2021 | Coupe | S, 400, GT | 3.5L V6 | RWD
[Lucid]
Air | 2022-2025 | Sedan | Pure, Touring, Grand Touring, Sapphire, Dream Edition | Electric | RWD, AWD
[Maserati]
Ghibli | 2014-2024 | Sedan | Base, S, S Q4, Modena, Trofeo | 3.0L V6, 3.8L V8 | RWD, AWD
Quattroporte | 1963-2024 | Sedan | Base, S, Sport GT S, GTS, Executive GT | 4.2L V8, 4.7L V8, 3.0L V6, 3.8L V8 | RWD, AWD
Levante | 2017-2024 | SUV | Base, S, GranSport, Trofeo | 3.0L V6, 3.8L V8 | AWD
GranTurismo | 2008-2025 | Coupe | Base, S, MC, Sport | 4.2L V8, 4.7L V8 | RWD
[Mazda]
Millenia | 1995-2002 | Sedan | S, Premium, Base | 2.3L V6, 2.5L V6 | FWD
929 | 1988-1995 | Sedan | S, Base | 3.0L V6 | RWD
Mazda3 | 2004-2025 | Sedan | i, s, Touring, Grand Touring, Sport, Premium, Select | 2.0L I4, 2.5L I4 | FWD, AWD
Mazda6 | 2003-2021 | Sedan | i, s, Touring, Grand Touring, Sport, Signature | 2.5L I4, 3.0L V6, 3.7L V6 | FWD
626 | 1979-2002 | Sedan | LX, ES, DX, GT | 2.0L I4, 2.5L V6 | FWD
MX-5 Miata | 1990-2025 | Convertible | Club, Grand Touring, Sport, RF, Base | 1.6L I4, 1.8L I4, 2.0L I4 | RWD
CX-5 | 2013-2025 | SUV | Sport, Touring, Grand Touring, Signature, Turbo | 2.5L I4, 2.0L I4 | FWD, AWD
CX-9 | 2007-2023 | SUV | Sport, Touring, Grand Touring, Signature | 3.7L V6, 2.5L I4 | FWD, AWD
RX-7 | 1979-2002 | Coupe | GSL-SE, Turbo II, R1, Touring, Base | 1.3L Rotary, 1.1L Rotary | RWD
RX-8 | 2004-2011 | Coupe | Base, Grand Touring, R3, Sport | 1.3L Rotary | RWD
[McLaren]
570S | 2016-2021 | Coupe | Base, Spider, GT | 3.8L V8 | RWD
720S | 2018-2023 | Coupe | Base, Performance, Luxury, Spider | 4.0L V8 | RWD
[Mercedes-Benz]
280-Series | 1968-1985 | Sedan | 280SE, 280S, 280E, 280SL, 280CE | 2.8L I6 | RWD
400-Series | 1992-1995 | Sedan | 400E, 400SEL | 4.2L V8 | RWD
450-Series | 1972-1980 | Sedan | 450SEL, 450SL, 450SLC, 450SE | 4.5L V8 | RWD
S-Class | 1973-2025 | Sedan | S 580, S580, S 550, S550, S500, S 500, S600, S 63 AMG, S65 AMG, S 450, S 560, AMG, AMG S 63, AMG S 63 E Performance, Maybach S 580, W140 S500, W220 S430, S 560 Maybach | 4.0L V8, 4.7L V8, 5.5L V8, 6.0L V12, 5.0L V8, 3.0L I6 | RWD, AWD
E-Class | 1986-2025 | Sedan | E 350, E350, E 320, E320, E 550, E 63 AMG, E63 AMG-S, E 300, E 450, E 350 BlueTEC Sport, AMG E 53, W124 E320, W210 E430, E 350 Sport, E 350 Luxury | 3.5L V6, 3.2L I6, 2.0L I4, 5.5L V8, 3.0L V6 Diesel | RWD, AWD
C-Class | 1994-2025 | Sedan | C 240, C240, C 300, C300, C 230, C 350, C63 AMG, C 63 S, C43 AMG | 2.0L I4, 2.6L V6, 3.0L V6, 3.5L V6, 4.0L V8, 6.2L V8 | RWD, AWD
CLA-Class | 2014-2025 | Sedan | CLA 250, CLA250, CLA 45 AMG, CLA 35 AMG | 2.0L I4 | FWD, AWD
CLK-Class | 1998-2009 | Coupe | CLK 320, CLK320, CLK 430, CLK 350, CLK 550, CLK 55 AMG | 3.2L V6, 4.3L V8, 5.5L V8, 3.5L V6 | RWD
CLS-Class | 2006-2023 | Sedan | CLS 550, CLS 500, CLS 63 AMG, CLS 450 | 5.5L V8, 5.0L V8, 3.0L I6 | RWD, AWD
SL-Class | 1963-2025 | Convertible | SL 500, SL500, SL 550, SL 600, SL 55 AMG, 450SL, 560SL | 5.0L V8, 5.5L V8, 4.5L V8, 6.0L V12 | RWD
G-Class | 2002-2025 | SUV | G 550, G550, G 63 AMG, G 500, G 55 AMG | 5.5L V8, 4.0L V8, 5.0L V8 | 4WD, AWD
GLE-Class | 2016-2025 | SUV | GLE 350, GLE 450, GLE 53 AMG, GLE 63 S | 2.0L I4, 3.0L I6, 3.5L V6 | RWD, AWD
GLS-Class | 2017-2025 | SUV | GLS 450, GLS 550, GLS 580, Maybach GLS 600 | 3.0L I6, 4.0L V8, 4.7L V8 | AWD
AMG GT | 2016-2025 | Coupe | Base, S, C, R, Black Series, 63 S | 4.0L V8 | RWD, AWD
Sprinter | 2007-2025 | Van | 2500, 3500, Cargo, Passenger, High Roof | 3.0L V6 Diesel, 2.0L I4, 2.1L I4 Diesel | RWD, AWD
190-Series | 1984-1993 | Sedan | 190E, 190D, E 2.3, E 2.6, 2.3-16 | 2.3L I4, 2.6L I6, 2.5L I5 Diesel | RWD
200-Series | 1968-1985 | Sedan | 200, 200D, 230, 240D, D | 2.0L I4, 2.4L I4 Diesel | RWD
300-Series | 1968-1995 | Sedan | 300D, 300SD, 300E, 300CE, 300TD, 300SE, W123 300D, W124 300E, W126 300SD | 3.0L I5 Diesel, 3.0L I6, 2.6L I6 | RWD
500-Series | 1980-1995 | Sedan | 560SEL, 500SEL, 500E, 420SEL, 560SEC, W126 560SEL, W124 500E | 5.6L V8, 5.0L V8, 4.2L V8 | RWD
600-Series | 1964-1998 | Sedan | S600, 600SEL, Pullman, 600SL | 6.0L V12, 6.3L V8 | RWD
[Mercury]
Milan | 2006-2011 | Sedan | Base, Premier, Hybrid | 2.3L I4, 3.0L V6, 2.5L I4 | FWD, AWD
Marquis | 1967-1986 | Sedan | Brougham, Colony Park, Grand Marquis | 6.6L V8, 7.5L V8, 5.0L V8 | RWD
Marauder | 1963-2004 | Sedan | Base, Convertible | 4.6L V8, 7.0L V8 | RWD
Grand Marquis | 1975-2011 | Sedan | GS, LS, LSE, Ultimate Edition | 4.6L V8, 5.0L V8 | RWD
Montego | 2005-2007 | Sedan | Base, Luxury, Premier | 3.0L V6 | FWD, AWD
Cougar | 1967-2002 | Coupe | XR-7, GT, Eliminator, Base | 5.0L V8, 5.8L V8, 2.5L V6 | RWD, FWD
Custom | 1949-1951 | Sedan | Eight, Club Coupe, Sport Sedan | 4.2L V8 | RWD
Monterey | 1950-1974 | Sedan | Custom, Marauder, Breezeway | 6.4L V8, 6.7L V8 | RWD
Sable | 1986-2009 | Sedan | GS, LS, Premier | 3.0L V6, 3.5L V6 | FWD
[Mini]
Cooper | 2002-2025 | Hatchback | Base, S, John Cooper Works, Hardtop, Clubman, Countryman | 1.6L I4, 1.5L I3, 2.0L I4 | FWD, AWD
[Mitsubishi]
Mirage | 1985-2025 | Hatchback | ES, SE, GT, LS, DE | 1.2L I3, 1.5L I4 | FWD
Diamante | 1992-2004 | Sedan | ES, LS, VR-X | 3.5L V6, 3.0L V6 | FWD
Lancer | 2002-2017 | Sedan | ES, GTS, Ralliart, Evolution, SE, DE | 2.0L I4, 2.4L I4 | FWD, AWD
Lancer Evolution | 2003-2015 | Sedan | GSR, MR, RS, VIII, IX, X, Final Edition | 2.0L I4 | AWD
Eclipse | 1990-2012 | Coupe | GS, GT, GSX, RS, Spyder, GST | 2.0L I4, 2.4L I4, 3.0L V6, 3.8L V6 | FWD, AWD
Outlander | 2003-2025 | SUV | ES, SE, SEL, GT, PHEV | 2.4L I4, 3.0L V6, 2.5L I4 | FWD, AWD
3000GT | 1991-1999 | Coupe | SL, VR-4, Base, Spyder | 3.0L V6 | FWD, AWD
Galant | 1985-2012 | Sedan | ES, LS, GTS, Ralliart, DE | 2.4L I4, 3.8L V6 | FWD
[Nissan]
240SX | 1989-1998 | Coupe | SE, LE, Base | 2.4L I4 | RWD
Skyline | 1957-2002 | Coupe | GT-R, GTS-T, R33, R34 | 2.6L I6, 2.5L I6 | RWD, AWD
Altima | 1993-2025 | Sedan | S, SV, SL, SR, Luxury, 2.5 S, 3.5 SE, Platinum | 2.5L I4, 3.5L V6, 2.0L I4 | FWD, AWD
Sentra | 1982-2025 | Sedan | S, SV, SR, SL, FE+ S, NISMO, SE-R, SR Turbo, 2.0, 2.0 SR | 1.8L I4, 2.0L I4, 1.6L I4, 2.5L I4 | FWD
Maxima | 1981-2023 | Sedan | SV, SL, SR, Platinum, SE, GXE, GLE | 3.5L V6, 3.0L V6 | FWD
Versa | 2007-2025 | Sedan | S, SV, SR, S Plus, Note | 1.6L I4, 1.8L I4 | FWD
Stanza | 1982-1992 | Sedan | XE, GXE, SE, Base | 2.0L I4, 2.4L I4 | FWD
GT-R | 2009-2024 | Coupe | Premium, Black Edition, NISMO, Track Edition, T-Spec | 3.8L V6 | AWD
370Z | 2009-2020 | Coupe | Base, Sport, Touring, NISMO, Roadster | 3.7L V6 | RWD
350Z | 2003-2009 | Coupe | Base, Enthusiast, Touring, Track, Grand Touring | 3.5L V6 | RWD
Frontier | 1998-2025 | Pickup | S, SV, PRO-4X, SL, Nismo | 3.8L V6, 4.0L V6, 2.5L I4 | 4WD, RWD
Titan | 2004-2024 | Pickup | S, SV, SL, PRO-4X, Platinum Reserve, XD | 5.6L V8, 5.0L V8 Diesel | 4WD, RWD
Rogue | 2008-2025 | SUV | S, SV, SL, Platinum, Sport | 2.5L I4, 1.5L I3 | FWD, AWD
Pathfinder | 1987-2025 | SUV | S, SV, SL, Platinum, Rock Creek, LE | 3.5L V6, 4.0L V6, 3.3L V6 | 4WD, FWD, AWD
Leaf | 2011-2025 | Hatchback | S, SV, SL, S Plus, SV Plus | Electric | FWD
[Oldsmobile]
Aurora | 1995-2003 | Sedan | Base, 4.0, 3.5 | 4.0L V8, 3.5L V6 | FWD
Alero | 1999-2004 | Sedan | GL, GLS, GX | 2.4L I4, 3.4L V6 | FWD
Intrigue | 1998-2002 | Sedan | GL, GLS, GX | 3.5L V6, 3.8L V6 | FWD
Cutlass | 1961-1999 | Coupe | Supreme, Ciera, 442, Calais, Salon, Holiday | 5.7L V8, 5.0L V8, 3.8L V6, 3.1L V6 | RWD, FWD
Delta 88 | 1965-1999 | Sedan | Royale, Brougham, LS, Holiday | 5.7L V8, 7.5L V8, 3.8L V6 | RWD, FWD
Eighty-Eight | 1949-1999 | Sedan | Super, Dynamic, Holiday, Royale | 5.0L V8, 5.3L V8, 3.8L V6 | RWD, FWD
Custom Cruiser | 1940-1992 | Wagon | Base, Brougham, Series 90 | 5.0L V8, 4.2L I8, 5.7L V8 | RWD
Toronado | 1966-1992 | Coupe | Brougham, Trofeo, Custom | 7.0L V8, 7.5L V8, 3.8L V6 | FWD
Ninety-Eight | 1941-1996 | Sedan | Regency, Holiday, Touring | 5.7L V8, 7.5L V8, 3.8L V6 | RWD, FWD
[Packard]
Eight | 1924-1936 | Sedan | Standard, Deluxe, Super Eight, 1101 | 5.2L I8, 6.3L I8 | RWD
Clipper | 1941-1957 | Sedan | Custom, Deluxe, Super, Special | 4.7L I8, 5.8L I8 | RWD
Caribbean | 1953-1956 | Convertible | Base, Custom | 5.9L I8, 6.1L V8 | RWD
[Pierce-Arrow]
Model B | 1929-1931 | Sedan | Club Brougham, Enclosed Drive Limousine, Base | 6.0L I8 | RWD
Model 36 | 1926-1928 | Sedan | Limousine, Touring, Base | 6.8L I6 | RWD
[Plymouth]
Savoy | 1951-1964 | Sedan | Base, Deluxe | 3.6L I6, 5.2L V8 | RWD
Satellite | 1965-1974 | Sedan | Sebring, Custom, Regent | 6.3L V8, 5.2L V8 | RWD
Duster | 1970-1976 | Coupe | 340, Twister, Gold Duster | 5.6L V8, 3.7L I6 | RWD
Valiant | 1960-1976 | Sedan | Signet, V-200, Scamp, Brougham, 100 | 3.7L I6, 5.2L V8, 2.8L I6 | RWD
Fury | 1956-1978 | Sedan | Sport Fury, Gran Fury, III, Belvedere | 5.2L V8, 6.3L V8, 7.2L V8 | RWD
Barracuda | 1964-1974 | Coupe | Cuda, Formula S, Gran Coupe, 340 | 5.6L V8, 6.3L V8, 7.0L V8, 5.2L V8 | RWD
Road Runner | 1968-1980 | Coupe | Base, GTX, Superbird | 6.3L V8, 7.0L V8, 7.2L V8 | RWD
Belvedere | 1954-1970 | Sedan | Sport, Satellite, Custom | 5.2L V8, 3.7L I6 | RWD
Sedan | 1928-1942 | Sedan | Deluxe, PA, P6 | 3.3L I6, 3.6L I4 | RWD
[Polestar]
2 | 2021-2025 | Sedan | Long Range Single Motor, Long Range Dual Motor, Performance Pack | Electric | FWD, AWD
[Pontiac]
Grand Am | 1973-2005 | Sedan | SE, GT, SE1, LE | 3.4L V6, 2.4L I4 | FWD
Parisienne | 1983-1986 | Sedan | Brougham, Base | 5.0L V8, 4.3L V6 | RWD
Star Chief | 1954-1966 | Sedan | Custom, Executive, Deluxe | 5.2L V8, 6.4L V8 | RWD
LeMans | 1961-1981 | Coupe | Sport, GT, Base | 5.7L V8, 6.6L V8, 4.1L I6 | RWD
GTO | 1964-2006 | Coupe | Judge, Base, Tri-Power, 6.0 | 6.6L V8, 6.0L V8, 6.5L V8, 5.7L V8 | RWD
Firebird | 1967-2002 | Coupe | Trans Am, Formula, Esprit, WS6, Base | 5.7L V8, 6.6L V8, 3.8L V6, 5.0L V8 | RWD
Catalina | 1959-1981 | Sedan | Base, Ventura, 2+2, Brougham | 6.4L V8, 6.6L V8, 7.5L V8 | RWD
Bonneville | 1957-2005 | Sedan | SE, SLE, SSEi, GXP, Brougham | 3.8L V6, 4.6L V8, 6.4L V8 | FWD, RWD
G6 | 2005-2010 | Sedan | Base, GT, GTP, GXP, SE | 2.4L I4, 3.5L V6, 3.9L V6 | FWD
G8 | 2008-2009 | Sedan | Base, GT, GXP | 3.6L V6, 6.0L V8, 6.2L V8 | RWD
Grand Prix | 1962-2008 | Coupe | GT, GTP, SE, LE, GXP | 3.8L V6, 5.3L V8, 6.6L V8 | FWD, RWD
Sunfire | 1995-2005 | Sedan | SE, GT, Base | 2.2L I4, 2.4L I4 | FWD
Chieftain | 1949-1958 | Sedan | Deluxe, Custom, Special | 4.4L I8, 4.7L V8 | RWD
[Porsche]
911 | 1964-2025 | Coupe | Carrera, Carrera S, Carrera 4S, Turbo, Turbo S, GT3, GT3 RS, Targa 4, 930 | 3.0L H6, 3.6L H6, 3.8L H6, 3.4L H6, 4.0L H6 | RWD, AWD
Panamera | 2010-2025 | Sedan | Base, 4, 4S, GTS, Turbo, Turbo S, Turbo S E Hybrid, 4 E-Hybrid | 2.9L V6, 4.0L V8, 3.6L V6, 4.8L V8, 3.0L V6 | RWD, AWD
Cayenne | 2003-2025 | SUV | Base, S, GTS, Turbo, E-Hybrid, Coupe | 3.0L V6, 4.0L V8, 3.6L V6, 4.8L V8, 4.5L V8 | AWD
Macan | 2015-2025 | SUV | Base, S, GTS, Turbo, T | 2.0L I4, 2.9L V6, 3.0L V6 | AWD
Boxster | 1997-2025 | Convertible | Base, S, GTS, Spyder, 718 | 2.7L H6, 3.2L H6, 2.5L H4, 3.4L H6 | RWD
Cayman | 2006-2025 | Coupe | Base, S, GTS, GT4, R, 718 | 2.7L H6, 3.4L H6, 2.0L H4, 4.0L H6 | RWD
Taycan | 2020-2025 | Sedan | 4S, Turbo, Turbo S, GTS, 4 Cross Turismo | Electric | AWD, RWD
944 | 1982-1991 | Coupe | Base, S, S2, Turbo | 2.5L I4, 3.0L I4 | RWD
[Ram]
1500 | 2011-2025 | Pickup | Tradesman, Big Horn, Laramie, Rebel, Limited, Longhorn, TRX, Sport | 5.7L V8, 3.6L V6, 3.0L V6 Diesel, 6.2L V8 | 4WD, RWD
2500 | 2011-2025 | Pickup | Tradesman, Big Horn, Laramie, Power Wagon, Limited | 6.7L I6 Diesel, 6.4L V8 | 4WD, RWD
ProMaster | 2014-2025 | Van | 1500, 2500, 3500, Cargo, High Roof | 3.6L V6 | FWD
[Rivian]
R1T | 2022-2025 | Pickup | Adventure, Explore, Launch Edition | Electric | AWD
R1S | 2022-2025 | SUV | Adventure, Explore, Launch Edition | Electric | AWD
[Rolls-Royce]
Silver Cloud | 1955-1966 | Sedan | I, II, III | 4.9L I6, 6.2L V8 | RWD
Silver Wraith | 1946-1959 | Sedan | Base, Touring Limousine | 4.3L I6, 4.9L I6 | RWD
Corniche | 1971-1995 | Convertible | Base, II, III, IV | 6.75L V8 | RWD
Phantom | 2004-2025 | Sedan | Base, EWB, Drophead Coupe, VII, VIII | 6.7L V12, 6.75L V12 | RWD
Ghost | 2010-2025 | Sedan | Base, EWB, Black Badge, Series II, Black Edition | 6.6L V12, 6.75L V12 | RWD, AWD
Silver Shadow | 1965-1980 | Sedan | Base, II, Long Wheelbase | 6.75L V8 | RWD
Silver Spur | 1980-1999 | Sedan | Base, II, III, Touring Limousine | 6.75L V8 | RWD
Cullinan | 2019-2025 | SUV | Base, Black Badge | 6.75L V12 | AWD
Wraith | 2014-2023 | Coupe | Base, Black Badge | 6.6L V12 | RWD
[Saab]
9-3 | 1999-2011 | Sedan | Base, Aero, Arc, SE, Linear | 2.0L I4, 2.8L V6 | FWD, AWD
9-5 | 1999-2011 | Sedan | Aero, Arc, Linear, SE | 2.3L I4, 3.0L V6 | FWD
900 | 1979-1998 | Hatchback | S, SE, Turbo, Base | 2.0L I4, 2.3L I4 | FWD
[Saturn]
Ion | 2003-2007 | Sedan | 1, 2, 3, Red Line | 2.2L I4, 2.4L I4, 2.0L I4 | FWD
Sky | 2007-2009 | Convertible | Base, Red Line | 2.4L I4, 2.0L I4 | RWD
Vue | 2002-2009 | SUV | Base, XE, XR, Red Line, Hybrid | 2.2L I4, 3.5L V6, 3.6L V6 | FWD, AWD
[Scion]
tC | 2005-2016 | Coupe | Base, Release Series, Spec | 2.4L I4, 2.5L I4 | FWD
FR-S | 2013-2016 | Coupe | Base, Release Series | 2.0L H4 | RWD
xB | 2004-2015 | Wagon | Base, Release Series | 1.5L I4, 2.4L I4 | FWD
[Studebaker]
Commander | 1927-1964 | Sedan | Regal, Deluxe, Starliner | 3.8L I6, 3.8L V8 | RWD
President | 1926-1958 | Sedan | Classic, Speedster, State | 4.7L V8, 4.2L V8 | RWD
Lark | 1959-1966 | Sedan | Regal, Deluxe, Cruiser, Daytona | 2.8L I6, 4.2L V8 | RWD
Champion | 1939-1958 | Sedan | Deluxe, Regal, Custom | 2.8L I6, 2.7L I6 | RWD
Hawk | 1956-1964 | Coupe | Golden Hawk, Gran Turismo, Silver Hawk | 4.7L V8, 5.8L V8 | RWD
Avanti | 1962-1964 | Coupe | R1, R2, Base | 4.7L V8 | RWD
[Subaru]
Impreza | 1993-2025 | Sedan | Base, Premium, Sport, Limited, 2.5i, RS, Outback Sport | 2.0L H4, 2.5L H4, 2.2L H4 | AWD
WRX | 2015-2025 | Sedan | Base, Premium, Limited, STI, STI Limited, GT | 2.0L H4, 2.4L H4, 2.5L H4 | AWD
Legacy | 1990-2025 | Sedan | 2.5i, 2.5I PREMIUM, Premium, Limited, Sport, GT, 3.6R | 2.5L H4, 3.6L H6, 2.4L H4 | AWD
Outback | 1995-2025 | Wagon | Base, Premium, Limited, Touring, Onyx Edition, Wilderness | 2.5L H4, 3.6L H6, 2.4L H4 | AWD
Forester | 1998-2025 | SUV | Base, Premium, Sport, Limited, Touring, XT | 2.5L H4, 2.0L H4 | AWD
Crosstrek | 2013-2025 | SUV | Base, Premium, Sport, Limited | 2.0L H4, 2.5L H4 | AWD
BRZ | 2013-2025 | Coupe | Premium, Limited, tS | 2.0L H4, 2.4L H4 | RWD
Deluxe | 1968-1976 | Sedan | Base, DL, GL | 1.4L H4, 1.1L H4 | FWD
[Suzuki]
Samurai | 1986-1995 | SUV | JL, JX, Base | 1.3L I4 | 4WD
Grand Vitara | 1999-2013 | SUV | Base, Premium, Luxury, XSport | 2.4L I4, 2.5L V6 | 4WD, RWD
[Tesla]
Model S | 2012-2025 | Sedan | P85, P85D, 75D, 90D, P100D, Long Range, Plaid, 85 | Electric | RWD, AWD
Model 3 | 2017-2025 | Sedan | Standard Range Plus, Long Range, Performance, Dual Motor, RWD | Electric | RWD, AWD
Model X | 2016-2025 | SUV | 75D, 90D, P100D, Long Range, Plaid | Electric | AWD
Model Y | 2020-2025 | SUV | Long Range, Performance, Standard | Electric | AWD, RWD
Cybertruck | 2024-2025 | Pickup | AWD, Cyberbeast, Foundation Series | Electric | AWD
[Toyota]
Cressida | 1977-1992 | Sedan | Luxury, Base | 3.0L I6, 2.8L I6 | RWD
Crown | 1955-2025 | Sedan | Royal Saloon, Limited, XLE, Platinum | 2.5L I4 Hybrid, 2.4L I4 | AWD, RWD
Echo | 2000-2005 | Sedan | Base | 1.5L I4 | FWD
Camry | 1983-2025 | Sedan | LE, SE, XLE, XSE, TRD, Hybrid LE, CE, Solara | 2.5L I4, 3.5L V6, 2.4L I4, 2.2L I4, 3.0L V6 | FWD, AWD
Corolla | 1968-2025 | Sedan | L, LE, S, SE, XSE, CE, Hybrid LE, XRS | 1.8L I4, 2.0L I4, 1.6L I4 | FWD
Avalon | 1995-2022 | Sedan | XL, XLE, XLS, Limited, Touring, Hybrid | 3.5L V6, 3.0L V6, 2.5L I4 | FWD
Century | 1967-2025 | Sedan | Base, GRMN | 5.0L V12, 5.0L V8 | RWD
Mirai | 2016-2025 | Sedan | Base, XLE, Limited | Hydrogen Fuel Cell | RWD, FWD
Prius | 2001-2025 | Hatchback | Two, Three, Four, Five, LE, XLE, Prime | 1.8L I4 Hybrid, 1.5L I4 Hybrid, 2.0L I4 Hybrid | FWD
Supra | 1979-2025 | Coupe | Turbo, Base, 3.0, Premium, A91 Edition | 3.0L I6, 2.0L I4 | RWD
Tacoma | 1995-2025 | Pickup | SR, SR5, TRD Sport, TRD Off-Road, TRD Pro, Limited, PreRunner | 3.5L V6, 2.7L I4, 4.0L V6, 2.4L I4 | 4WD, RWD
Tundra | 2000-2025 | Pickup | SR5, Limited, Platinum, 1794 Edition, TRD Pro, Capstone | 5.7L V8, 3.5L V6, 4.7L V8 | 4WD, RWD
4Runner | 1984-2025 | SUV | SR5, Limited, TRD Off-Road, TRD Pro, Nightshade | 4.0L V6, 4.7L V8, 3.4L V6 | 4WD, RWD
RAV4 | 1996-2025 | SUV | LE, XLE, XLE Premium, Adventure, Limited, TRD Off-Road, Hybrid | 2.5L I4, 2.4L I4, 3.5L V6 | FWD, AWD
Highlander | 2001-2025 | SUV | LE, XLE, Limited, Platinum, Hybrid | 3.5L V6, 2.4L I4, 2.7L I4 | FWD, AWD
Land Cruiser | 1960-2025 | SUV | Base, FJ40, FJ60, FJ80, Heritage Edition | 5.7L V8, 4.7L V8, 4.2L I6, 2.4L I4 | 4WD
Sienna | 1998-2025 | Minivan | LE, XLE, SE, Limited, Platinum | 3.5L V6, 2.5L I4 Hybrid | FWD, AWD
FJ Cruiser | 2007-2014 | SUV | Base, Trail Teams | 4.0L V6 | 4WD, RWD
[Volkswagen]
CC | 2009-2017 | Sedan | Sport, Luxury, R-Line, VR6 4Motion | 2.0L I4, 3.6L V6 | FWD, AWD
Arteon | 2019-2023 | Sedan | SE, SEL, SEL Premium R-Line | 2.0L I4 | FWD, AWD
Rabbit | 1975-2009 | Hatchback | S, Base, GTI, Convertible | 2.5L I5, 1.6L I4 | FWD
Jetta | 1980-2025 | Sedan | S, SE, SEL, GLI, TDI, Base, Deluxe, Sport | 2.0L I4, 1.4L I4, 2.5L I5, 1.8L I4, 2.0L I4 Diesel | FWD
Passat | 1990-2022 | Sedan | S, SE, SEL, Limited Edition, R-Line, TDI, GLS | 2.0L I4, 1.8L I4, 3.6L V6, 2.5L I5, 2.0L I4 Diesel | FWD, AWD
Golf | 1985-2025 | Hatchback | S, SE, GTI, R, TDI, Sportwagen | 2.0L I4, 1.8L I4, 1.4L I4, 2.0L I4 Diesel | FWD, AWD
GTI | 2006-2025 | Hatchback | S, SE, Autobahn, 380 | 2.0L I4 | FWD
Beetle | 1950-2019 | Coupe | Base, Super, Convertible, S, SE, Turbo, Dune | 1.6L H4, 1.2L H4, 2.5L I5, 1.8L I4 | RWD, FWD
Bus | 1950-1979 | Van | Westfalia, Kombi, 21-Window, Deluxe | 1.6L H4, 2.0L H4 | RWD
Tiguan | 2009-2025 | SUV | S, SE, SEL, SEL Premium R-Line | 2.0L I4 | FWD, AWD
Atlas | 2018-2025 | SUV | S, SE, SEL, SEL Premium, Cross Sport | 2.0L I4, 3.6L V6 | FWD, AWD
Phaeton | 2004-2006 | Sedan | V8, W12, Base | 4.2L V8, 6.0L W12 | AWD
Touareg | 2004-2017 | SUV | V6, V8, TDI, Lux, Hybrid | 3.6L V6, 4.2L V8, 3.0L V6 Diesel | AWD
[Volvo]
740 | 1985-1992 | Sedan | GL, GLE, Turbo | 2.3L I4 | RWD
940 | 1991-1998 | Sedan | GL, Turbo, Base | 2.3L I4 | RWD
S80 | 1999-2016 | Sedan | T6, 2.9, 3.2, V8, Executive | 2.9L I6, 3.2L I6, 4.4L V8 | FWD, AWD
240 | 1975-1993 | Sedan | Base, DL, GL, Turbo | 2.3L I4, 2.1L I4 | RWD
S60 | 2001-2025 | Sedan | T5, T6, R, Momentum, Inscription, Polestar | 2.0L I4, 2.5L I5, 3.0L I6, 2.4L I5 | FWD, AWD
S90 | 1997-2025 | Sedan | T5, T6, T8, Momentum, Inscription, B6 | 2.0L I4, 2.9L I6 | FWD, AWD
S40 | 2000-2011 | Sedan | 2.4I, T5, Base, SE | 2.4L I5, 2.5L I5, 1.9L I4 | FWD, AWD
XC90 | 2003-2025 | SUV | T5, T6, T8, Momentum, Inscription, B6 | 2.0L I4, 2.5L I5, 4.4L V8, 3.2L I6 | AWD, FWD
XC60 | 2010-2025 | SUV | T5, T6, Momentum, Inscription, R-Design | 2.0L I4, 3.0L I6, 3.2L I6 | AWD, FWD
P1800 | 1961-1973 | Coupe | S, E, ES | 1.8L I4, 2.0L I4 | RWD
[Checker]
Marathon | 1961-1982 | Sedan | Base, Deluxe, Taxi | 4.1L I6, 5.7L V8 | RWD
[Datsun]
240Z | 1970-1973 | Coupe | Base, Series I | 2.4L I6 | RWD
510 | 1968-1973 | Sedan | Base, Wagon, SSS | 1.6L I4 | RWD
[DeSoto]
Firedome | 1952-1959 | Sedan | Sportsman, Base | 4.5L V8, 5.6L V8 | RWD
Custom | 1946-1952 | Sedan | Club Coupe, Suburban, Base | 3.9L I6 | RWD
[Maybach]
57 | 2004-2012 | Sedan | Base, S, Zeppelin | 5.5L V12, 6.0L V12 | RWD
62 | 2004-2012 | Sedan | Base, S, Landaulet | 5.5L V12, 6.0L V12 | RWD
[Nash]
Ambassador | 1932-1957 | Sedan | Custom, Super, Eight | 4.2L I6, 5.2L V8 | RWD
Rambler | 1950-1955 | Wagon | Custom, Super, Country Club | 2.8L I6 | RWD
[Kaiser]
Manhattan | 1951-1955 | Sedan | Deluxe, Special | 3.7L I6 | RWD
"""

# Make aliases sellers really use ("Chevy", "VW", "Merc") and common misspellings; keys are eBay's make names.
MAKE_ALIASES: dict[str, tuple[str, ...]] = {
    "Chevrolet": ("Chevy",),
    "Volkswagen": ("VW",),
    "Mercedes-Benz": ("Mercedes", "Benz", "Merc", "Mercedes Benz", "MB"),
    "Rolls-Royce": ("Rolls Royce", "Rolls"),
    "Land Rover": ("Landrover", "Land-Rover"),
    "Alfa Romeo": ("Alfa",),
    "Aston Martin": ("Aston",),
    "Oldsmobile": ("Olds",),
    "Cadillac": ("Caddy",),
    "Jaguar": ("Jag",),
    "Lamborghini": ("Lambo",),
    "Pierce-Arrow": ("Pierce Arrow",),
    "Infiniti": ("INFINITI",),
    "Mini": ("MINI",),
    "Subaru": ("Subie",),
    "Pontiac": ("Ponti",),
}

MAKE_TYPOS: dict[str, tuple[str, ...]] = {
    "Chevrolet": ("Chevrolete", "Cheverolet", "Chevorlet"),
    "Mercedes-Benz": ("Mercedez-Benz", "Mercedez", "Mercedes-Bens"),
    "Volkswagen": ("Volkswagon", "Volkwagen"),
    "Porsche": ("Porche",),
    "Hyundai": ("Hyundia", "Hundai"),
    "Mitsubishi": ("Mitsubushi",),
    "Cadillac": ("Cadilac", "Caddilac"),
    "Lamborghini": ("Lamborgini",),
    "Oldsmobile": ("Oldsmobil",),
    "Chrysler": ("Chrystler",),
    "Maserati": ("Maseratti",),
    "Toyota": ("Toyata",),
}

# Model spellings beyond the mechanical ones ("3-Series" -> "3 Series"), keyed by (make, eBay model name).
MODEL_EXTRA_VARIANTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Chevrolet", "Bel Air/150/210"): ("Bel Air", "Belair", "Bel-Air", "210", "150"),
    ("Chevrolet", "Hot Rod / Street Rod"): ("Hot Rod", "Street Rod"),
    ("Ford", "Hot Rod / Street Rod"): ("Hot Rod", "Street Rod"),
    ("Chevrolet", "Silverado 1500"): ("Silverado", "Silverado1500"),
    ("Chevrolet", "Corvette"): ("Vette",),
    ("Chevrolet", "Bolt EV"): ("Bolt",),
    ("Chevrolet", "Camaro"): ("Camero",),
    ("GMC", "Sierra 1500"): ("Sierra",),
    ("Ford", "Crown Victoria"): ("Crown Vic", "CrownVic"),
    ("Ford", "Mustang Mach-E"): ("Mach-E", "Mach E"),
    ("Lincoln", "Town Car"): ("Towncar", "Town-Car"),
    ("Lincoln", "MKZ/Zephyr"): ("MKZ", "Zephyr"),
    ("Mazda", "Mazda3"): ("Mazda 3", "3"),
    ("Mazda", "Mazda6"): ("Mazda 6", "6"),
    ("Mazda", "MX-5 Miata"): ("Miata", "MX-5", "MX5"),
    ("Chrysler", "300 Series"): ("300",),
    ("Chrysler", "Town & Country"): ("Town and Country", "T&C"),
    ("Toyota", "Land Cruiser"): ("Landcruiser",),
    ("Toyota", "4Runner"): ("4 Runner",),
    ("Toyota", "RAV4"): ("Rav 4", "Rav-4"),
    ("Jeep", "Grand Cherokee"): ("Grand Cherokie",),
    ("Jeep", "Wrangler"): ("Wrangler Unlimited",),
    ("Mitsubishi", "Lancer Evolution"): ("Evo", "Lancer Evo"),
    ("Dodge", "Grand Caravan"): ("Caravan",),
    ("Oldsmobile", "Eighty-Eight"): ("88", "Eighty Eight"),
    ("Oldsmobile", "Delta 88"): ("Delta Eighty-Eight",),
    ("Oldsmobile", "Ninety-Eight"): ("98", "Ninety Eight"),
    ("Volkswagen", "Beetle"): ("Bug", "Käfer"),
    ("Volkswagen", "Bus"): ("Microbus", "Type 2"),
    ("Porsche", "911"): ("911 Carrera",),
    ("Ferrari", "458 Italia"): ("458",),
    ("Audi", "RS 3"): ("RS3",),
    ("Audi", "RS 5"): ("RS5",),
    ("Audi", "e-tron"): ("etron", "e tron"),
    ("Land Rover", "Range Rover Sport"): ("RR Sport", "Range Sport"),
    ("Hyundai", "Ioniq 5"): ("Ioniq5",),
    ("Cadillac", "LaSalle"): ("Lasalle", "La Salle"),
    ("Cadillac", "Series 62"): ("62",),
    ("Cadillac", "DeVille"): ("De Ville", "Deville"),
    ("Mercedes-Benz", "AMG GT"): ("AMG-GT",),
    ("Rolls-Royce", "Silver Shadow"): ("Shadow",),
}

BODY_SURFACES: dict[str, tuple[str, ...]] = {
    "Sedan": (
        "Sedan", "4dr Sedan", "Sedan 4D", "4-Door Sedan", "4D Sedan", "Saloon", "4 Door Sedan", "4 Door Hardtop",
        "2 Door Sedan", "2dr Sedan", "Two Door Sedan", "Four Door Sedan", "Sedan 4-Door", "4-Door",
    ),
    "Coupe": ("Coupe", "Coupé", "2dr Coupe", "Coupe 2D", "2-Door Coupe", "Hardtop", "2 Door Hardtop", "2D Coupe"),
    "Convertible": ("Convertible", "Cabriolet", "Convertible 2D", "Roadster", "Drop Top"),
    "Hatchback": ("Hatchback", "Hatch", "5-Door Hatchback", "Hatchback 4D"),
    "Wagon": ("Wagon", "Station Wagon", "Estate", "Wagon 4D"),
    "SUV": ("SUV", "Sport Utility", "4dr SUV", "Sport Utility 4D"),
    "Pickup": ("Pickup", "Pickup Truck", "Truck", "Crew Cab Pickup", "Crew Cab"),
    "Minivan": ("Minivan", "Mini Van", "Minivan 4D"),
    "Van": ("Van", "Cargo Van", "Passenger Van"),
}

# Body forms that carry a door count ("4dr Sedan", "Sedan 4D"): dealers' feeds write these, and the
# guidelines read the count and the body word as one BODY span.
DOOR_RE = re.compile(r"\b(?:\d ?-?d(?:r|oor)?|\d-door|two door|four door)\b", re.IGNORECASE)
# Make-specific body names ("Gran Coupe" is BMW's four-door coupe), by eBay body type.
MAKE_BODY_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "BMW": {"Sedan": ("Gran Coupe",), "Coupe": ("Gran Coupe",)},
    "Audi": {"Hatchback": ("Sportback",), "Sedan": ("Sportback",)},
}
# Maker drivetrain badges a trim may carry ("S 580 4MATIC", "540i xDrive", "2.8 quattro"): inside the
# TRIM span when they follow the trim, DRIVETRAIN when they stand alone.
TRIM_BADGES: dict[str, tuple[str, ...]] = {
    "Mercedes-Benz": ("4MATIC", "4MATIC", "4Matic"),
    "BMW": ("xDrive",),
    "Audi": ("quattro", "Quattro"),
    "Volkswagen": ("4Motion",),
}

TRANSMISSION_SURFACES: dict[str, tuple[str, ...]] = {
    "Automatic": (
        "Automatic",
        "Auto",
        "AT",
        "6-Speed Automatic",
        "8-Speed Automatic",
        "Automatic Transmission",
    ),
    "Manual": ("Manual", "6-Speed Manual", "5-Speed Manual", "Stick Shift", "Stick", "6MT", "5MT", "4-Speed"),
}

DRIVE_SURFACES: dict[str, tuple[str, ...]] = {
    "AWD": ("AWD", "All Wheel Drive", "All-Wheel Drive"),
    "4WD": ("4WD", "4x4", "4X4", "Four Wheel Drive", "4-Wheel Drive"),
    "FWD": ("FWD", "Front Wheel Drive"),
    "RWD": ("RWD", "Rear Wheel Drive", "Rear-Wheel Drive"),
}
# Make-specific names for all-wheel drive that sellers put in titles ("4MATIC", "quattro", "xDrive").
MAKE_AWD_NAMES: dict[str, tuple[str, ...]] = {
    "Mercedes-Benz": ("4MATIC", "4Matic"),
    "Audi": ("quattro", "Quattro"),
    "BMW": ("xDrive",),
    "Volkswagen": ("4Motion",),
    "Acura": ("SH-AWD",),
    "Porsche": ("AWD",),
}

FUEL_SURFACES: dict[str, tuple[str, ...]] = {
    "Gasoline": ("Gasoline", "Gas"),
    "Diesel": ("Diesel", "Turbo Diesel", "TDI", "BlueTEC"),
    "Hybrid": ("Hybrid", "Gas/Hybrid"),
    "Electric": ("Electric", "EV", "All Electric"),
    "Flex Fuel": ("Flex Fuel", "FFV", "E85"),
    "Hydrogen": ("Hydrogen", "Fuel Cell"),
}

COLOR_SURFACES: dict[str, tuple[str, ...]] = {
    "Black": ("Black", "Jet Black", "Obsidian Black", "Black Metallic", "Onyx Black", "Triple Black"),
    "White": ("White", "Pearl White", "Alpine White", "Glacier White", "Summit White"),
    "Silver": ("Silver", "Silver Metallic", "Brilliant Silver", "Quicksilver"),
    "Gray": ("Gray", "Grey", "Magnetic Gray", "Gunmetal", "Charcoal", "Graphite Grey"),
    "Blue": ("Blue", "Midnight Blue", "Navy Blue", "Dark Aquamarine-Grey Metallic", "Estoril Blue"),
    "Red": ("Red", "Candy Apple Red", "Torred", "Ruby Red", "Guards Red"),
    "Green": ("Green", "British Racing Green", "Forest Green", "Sublime Green"),
    "Brown": ("Brown", "Bronze", "Mocha"),
    "Beige": ("Beige", "Champagne", "Sandstone"),
    "Gold": ("Gold", "Gold Metallic"),
    "Yellow": ("Yellow", "Speed Yellow", "Velocity Yellow"),
    "Orange": ("Orange", "Sunset Orange", "Go Mango"),
    "Burgundy": ("Burgundy", "Maroon", "Wine Red"),
    "Purple": ("Purple", "Plum Crazy"),
    "Tan": ("Tan", "Desert Tan"),
}
COLOR_WEIGHTS: dict[str, int] = {
    "Black": 22, "White": 20, "Silver": 12, "Gray": 12, "Blue": 9, "Red": 9, "Green": 3, "Brown": 2,
    "Beige": 2, "Gold": 2, "Yellow": 2, "Orange": 1, "Burgundy": 2, "Purple": 1, "Tan": 1,
}  # fmt: skip

INTERIOR_COLORS = ("Black", "Tan", "Beige", "Gray", "Brown", "Red", "White", "Cognac")

_DEFAULT_DRIVES: dict[str, tuple[str, ...]] = {
    "Sedan": ("FWD",), "Coupe": ("RWD",), "Convertible": ("RWD",), "Hatchback": ("FWD",), "Wagon": ("FWD",),
    "SUV": ("AWD", "4WD"), "Pickup": ("4WD", "RWD"), "Minivan": ("FWD",), "Van": ("RWD",),
}  # fmt: skip

_ENGINE_RE = re.compile(r"^(?P<disp>\d+(?:\.\d+)?)L (?P<cyl>[IVHW]\d+|Rotary)(?: (?P<extra>.+))?$")


def _parse(raw: str) -> dict[str, list[CarModel]]:
    makes: dict[str, list[CarModel]] = {}
    make = ""
    for line_no, line in enumerate(raw.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("["):
            make = line.strip("[]")
            makes[make] = []
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 6:
            raise ValueError(f"catalogue line {line_no}: expected 6 '|' fields, got {len(parts)}: {line!r}")
        name, years, body, trims, engines, drives = parts
        first, last = (int(y) for y in years.split("-"))
        if body not in BODY_SURFACES:
            raise ValueError(f"catalogue line {line_no}: unknown body type {body!r}")
        makes[make].append(
            CarModel(
                make=make,
                name=name,
                years=(first, min(last, CURRENT_YEAR)),
                body=body,
                trims=tuple(t.strip() for t in trims.split(",") if t.strip()),
                engines=tuple(e.strip() for e in engines.split(",") if e.strip()),
                drives=tuple(d.strip() for d in drives.split(",") if d.strip()) or _DEFAULT_DRIVES[body],
            )
        )
    return makes


CATALOGUE: dict[str, list[CarModel]] = _parse(_RAW)
MAKES: list[str] = list(CATALOGUE)
ALL_MODELS: list[CarModel] = [m for models in CATALOGUE.values() for m in models]

# Rough share of US eBay Motors listings per make (popular makes more often); unknown makes weigh 1.
MAKE_WEIGHTS: dict[str, float] = {
    "Chevrolet": 10, "Ford": 11, "Mercedes-Benz": 10, "BMW": 9, "Toyota": 6, "Cadillac": 5, "Honda": 4,
    "Dodge": 4, "Lincoln": 3, "Audi": 4.5, "Nissan": 3, "Buick": 3, "Hyundai": 2.5, "Lexus": 3,
    "Porsche": 2.5, "Jeep": 3, "Tesla": 2, "Rolls-Royce": 1.5, "Bentley": 1.5, "Volkswagen": 2.5,
    "Chrysler": 2, "Pontiac": 2, "Oldsmobile": 1.5, "Plymouth": 1.5, "Jaguar": 1.5, "Infiniti": 1.5,
    "Mercury": 1.2, "Subaru": 1.5, "Acura": 1.5, "Mazda": 1.5, "Kia": 1.5, "GMC": 2, "Ram": 2,
    "Volvo": 1.2, "Maserati": 1, "Land Rover": 1, "Mitsubishi": 1,
}  # fmt: skip


def engine_parts(engine: str) -> tuple[str, str, str] | None:
    """Split "3.5L V6 Diesel" into ("3.5", "V6", "Diesel"); None for "Electric" and other free forms."""
    m = _ENGINE_RE.match(engine)
    if not m:
        return None
    return m["disp"], m["cyl"], m["extra"] or ""


def cylinders(engine: str) -> int | None:
    """Number of cylinders of an engine value ("5.7L V8" -> 8), None for electric/rotary engines."""
    parts = engine_parts(engine)
    if not parts or parts[1] == "Rotary":
        return None
    return int(parts[1][1:])


def fuel_for(engine: str, trim: str = "") -> str:
    """eBay "Fuel Type" implied by an engine value (and a hybrid trim)."""
    if engine == "Electric":
        return "Electric"
    if "Hydrogen" in engine:
        return "Hydrogen"
    if "Diesel" in engine:
        return "Diesel"
    if "Hybrid" in engine or "hybrid" in trim.lower():
        return "Hybrid"
    return "Gasoline"


def _hyphen_variants(name: str) -> set[str]:
    """Mechanical spellings sellers use for hyphenated or spaced model codes ("F-150" -> "F150", "F 150")."""
    out = set()
    if "-" in name:
        out.add(name.replace("-", " "))
        parts = name.split("-")
        if all(len(p) <= 4 for p in parts[:-1]) and not name.endswith(("-Series", "-Class")):
            out.add(name.replace("-", ""))
    for suffix in ("-Series", "-Class"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            out.add(f"{stem} {suffix[1:]}")
            if suffix == "-Series":
                out.add(f"{stem}series")
    if " " in name and len(name) <= 6:  # "RS 3" -> "RS3"
        out.add(name.replace(" ", ""))
    return out - {name}


@cache
def model_variants(make: str, model: str) -> tuple[str, ...]:
    """Every surface form of a model: eBay's name first, then what sellers write ("3 Series", "F150")."""
    variants = [model]
    for v in sorted(_hyphen_variants(model)) + list(MODEL_EXTRA_VARIANTS.get((make, model), ())):
        if v not in variants:
            variants.append(v)
    return tuple(variants)


def make_surfaces(make: str) -> tuple[str, ...]:
    """eBay's make name, its aliases and its common misspellings."""
    return (make, *MAKE_ALIASES.get(make, ()), *MAKE_TYPOS.get(make, ()))


def mileage_value(miles: int) -> str:
    """eBay's item-specific spelling of a mileage ("45,123")."""
    return f"{miles:,}"


def mileage_surfaces(miles: int) -> tuple[str, ...]:
    """How sellers write a mileage in free text: "45,123 miles", "45k miles", "45K MILES", "45,123 mi", ..."""
    k = max(1, round(miles / 1000))
    exact = f"{miles:,}"
    forms = [
        f"{exact} miles", f"{miles} miles", f"{exact} mi", f"{k}k miles", f"{k}K miles", f"{k}k mi",
        f"{k}K Miles", f"{exact} Actual Miles", f"{k}K Original Miles", f"{exact} original miles",
        f"{k},000 miles", f"{k}k", f"{exact} Miles", f"{k}ks", f"{miles} Original Miles",
        f"{k}K MILES", f"{exact} Original Miles", f"{miles} mi",
    ]  # fmt: skip
    return tuple(dict.fromkeys(forms))


# Nominal cubic inches sellers give old V8s ("350 V8" for the 5.7 L small block).
CUBIC_INCHES = {"5.7": "350", "5.0": "302", "7.0": "427", "7.4": "454", "6.6": "400", "5.4": "327", "6.5": "396",
                "5.8": "352", "6.3": "383", "7.2": "440", "7.5": "460", "4.6": "283"}  # fmt: skip


def engine_surfaces(engine: str) -> tuple[str, ...]:
    """How an engine value is written in free text: "3.5L V6", "3.5L", "V6", "3.5 V6", "3.5 Liter V6"."""
    parts = engine_parts(engine)
    if parts is None:
        # "Electric" alone is the FUEL; the engine of an electric car is its motor
        return (engine,) if engine != "Electric" else ("Electric Motor", "Dual Motor", "Electric Motors")
    disp, cyl, extra = parts
    forms = [f"{disp}L {cyl}", f"{disp}L", f"{disp} {cyl}", f"{disp} Liter {cyl}", f"{disp}L {cyl} {extra}"]
    if extra and extra != "Diesel":  # "V8 HEMI", "6.2L Supercharged", "Supercharged" alone
        forms += [f"{cyl} {extra}", f"{disp}L {extra}", extra]
    if cyl == "V8" and disp in CUBIC_INCHES:  # "350ci V8", "454 V8": old V8s by cubic inches
        forms += [f"{CUBIC_INCHES[disp]}ci {cyl}", f"{CUBIC_INCHES[disp]} {cyl}", f"{CUBIC_INCHES[disp]}ci"]
    if cyl != "Rotary":
        forms.append(cyl)
        if cyl[0] in "VW":
            forms.append(f"{cyl[1:]}-Cylinder")
    if cyl[0] in "VW":
        forms.append(f"{cyl} {disp}")  # "V6 2.5"
    # A bare displacement right after the model ("2012 Nissan Sentra 2.0") is the eBay Trim, not ENGINE.
    return tuple(dict.fromkeys(f.strip() for f in forms))


def surfaces(label: str, value: str, make: str = "") -> tuple[str, ...]:
    """All surface forms a value of `label` may take in text; the alias tables behind the gold spans.

    Pre-annotation may use this to find the words of a title that carry an item-specific value.
    """
    if label == "MAKE":
        return make_surfaces(value)
    if label == "MODEL":
        return model_variants(make, value) if make else (value,)
    if label == "BODY":
        return BODY_SURFACES.get(value, (value,)) + MAKE_BODY_NAMES.get(make, {}).get(value, ())
    if label == "TRANSMISSION":
        return TRANSMISSION_SURFACES.get(value, (value,))
    if label == "DRIVETRAIN":
        forms = DRIVE_SURFACES.get(value, (value,))
        return forms + MAKE_AWD_NAMES.get(make, ()) if value == "AWD" else forms
    if label == "FUEL":
        return FUEL_SURFACES.get(value, (value,))
    if label == "COLOR":
        return COLOR_SURFACES.get(value, (value,))
    if label == "ENGINE":
        return engine_surfaces(value)
    if label == "MILEAGE":
        digits = value.replace(",", "")
        return mileage_surfaces(int(digits)) if digits.isdigit() else (value,)
    return (value,)


def door_body_surfaces(body: str) -> tuple[str, ...]:
    """The forms of a body type that carry a door count ("4dr Sedan", "Sedan 4D"), most common first."""
    return tuple(s for s in BODY_SURFACES.get(body, ()) if DOOR_RE.search(s))


def surface_matches(label: str, text: str, value: str, make: str = "") -> bool:
    """Whether `text` is a (case-insensitive) surface form of `value` for `label`."""
    wanted = text.casefold()
    return any(wanted == s.casefold() for s in surfaces(label, value, make))


# ----------------------------------------------------------------------------- models from NHTSA vPIC
# The hand-grown table above keeps eBay's reading of the models it lists (checked trims, classics
# before 1981 that vPIC cannot know); every other car, truck and MPV model vPIC knows for a make that
# sells joins it, named as eBay names it (carner.common.vpic's mapping: BMW "528i" is a 5-Series trim).

# vPIC body classes as eBay's Body Type (others: buses, chassis, motorcycles, are not drawn).
VPIC_BODY: dict[str, str] = {
    "Sedan/Saloon": "Sedan", "Coupe": "Coupe", "Convertible/Cabriolet": "Convertible", "Roadster": "Convertible",
    "Hatchback/Liftback/Notchback": "Hatchback", "Wagon": "Wagon", "Limousine": "Sedan",
    "Sport Utility Vehicle (SUV)/Multi-Purpose Vehicle (MPV)": "SUV", "Crossover Utility Vehicle (CUV)": "SUV",
    "Pickup": "Pickup", "Minivan": "Minivan", "Van": "Van", "Cargo Van": "Van",
}  # fmt: skip
# A vPIC make joins the sandbox with at least this many passenger model-years (the rest build buses,
# fire trucks and kit cars); makes of the hand-grown table always do.
VPIC_MIN_MAKE_YEARS = 150
VPIC_NOT_MAKES = {"Vintage Cruiser"}  # replica builders above the threshold
_CYLINDERS = {"I3", "I4", "I5", "I6", "V6", "V8", "V10", "V12", "H4", "H6", "W8", "W12", "V16"}
# vPIC trim values that are fleet or build notes, not what a seller or eBay calls the car.
_TRIM_NOISE = re.compile(
    r"fleet|police|chassis|\bcab\b|incomplete|development|engineering|build|ambulance|taxi|export|"
    r"prototype|pursuit|livery|special service|\bpkg\b|package|option|\bbase/|n/a|unknown|standard",
    re.IGNORECASE,
)


def _vpic_trim(value: str, model: str) -> str | None:
    """A vPIC trim as eBay's Trim would read it ("LT (1LT)" -> "LT"), or None for notes."""
    trim = re.sub(r"\s*\([^)]*\)", "", value).strip(" -")
    if (
        not trim or len(trim) > 20 or len(trim.split()) > 3 or any(c in trim for c in "/,;+&\"'")
        or _TRIM_NOISE.search(trim) or trim.casefold() == model.casefold() or not re.search(r"[A-Za-z0-9]", trim)
    ):  # fmt: skip
        return None
    return trim


def _span(first_last: tuple[int, int]) -> int:
    return first_last[1] - first_last[0] + 1


def _vpic_models(known: dict[str, list[CarModel]]) -> dict[str, list[CarModel]]:
    from carner.common import vpic

    catalogue = vpic.load()
    out: dict[str, list[CarModel]] = {}
    for make, models in sorted(catalogue.by_make.items()):
        passenger = [m for m in models if "Passenger Car" in m.types or "MPV" in m.types]
        if make not in known and (make in VPIC_NOT_MAKES or sum(m.model_years for m in passenger) < VPIC_MIN_MAKE_YEARS):
            continue
        taken = {norm_name(v) for m in known.get(make, []) for v in model_variants(make, m.name)}
        families: dict[str, list[tuple[vpic.VpicModel, str | None]]] = {}
        for m in models:
            ebay_model, designation = vpic.ebay_reading(make, m.name)
            families.setdefault(ebay_model, []).append((m, designation))
        for name, members in sorted(families.items()):
            if norm_name(name) in taken or len(name) > 24 or not re.search(r"[A-Za-z]", name):
                continue
            bodies: dict[str, int] = {}
            trims: dict[str, int] = {}
            engines: dict[str, int] = {}
            years: set[int] = set()
            electric = False
            for m, designation in members:
                if not ("Passenger Car" in m.types or "MPV" in m.types or "Pickup" in m.attrs.get("body", {})):
                    continue
                years.update(y for a, b in m.years for y in range(a, min(b, CURRENT_YEAR) + 1))
                for body, ab in m.attrs.get("body", {}).items():
                    if body in VPIC_BODY:
                        bodies[VPIC_BODY[body]] = bodies.get(VPIC_BODY[body], 0) + _span(ab)
                if designation:
                    trims[designation] = trims.get(designation, 0) + m.model_years
                for value, ab in m.attrs.get("trim", {}).items():
                    trim = _vpic_trim(value, name)
                    if trim:
                        trims[trim] = trims.get(trim, 0) + _span(ab)
                for value, ab in m.attrs.get("engine", {}).items():
                    parts = engine_parts(value)
                    if parts and parts[1] in _CYLINDERS:
                        engines[value] = engines.get(value, 0) + _span(ab)
                electric |= set(m.attrs.get("fuel", {})) == {"Electric"}
            if not years or not bodies or not (engines or electric):
                continue
            body = max(sorted(bodies), key=lambda b: bodies[b])
            ranges = tuple((a, b) for a, b in _ranges(years))
            out.setdefault(make, []).append(CarModel(
                make=make, name=name, years=(min(years), max(years)), body=body,
                trims=tuple(sorted(trims, key=lambda t: (-trims[t], t))[:12]) or ("Base",),
                engines=("Electric",) if electric and not engines else tuple(sorted(engines, key=lambda e: (-engines[e], e))[:6]),
                drives=_DEFAULT_DRIVES[body], ranges=ranges,
            ))  # fmt: skip
    return out


def _ranges(years: set[int]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for y in sorted(years):
        if out and y == out[-1][1] + 1:
            out[-1][1] = y
        else:
            out.append([y, y])
    return [(a, b) for a, b in out]


def norm_name(text: str) -> str:
    """Names compared without case, spaces and punctuation ("F-150" == "F150")."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


HAND_GROWN: dict[str, list[CarModel]] = {make: list(models) for make, models in CATALOGUE.items()}
for _make, _models in _vpic_models(HAND_GROWN).items():
    CATALOGUE.setdefault(_make, []).extend(_models)
MAKES[:] = list(CATALOGUE)
ALL_MODELS[:] = [m for models in CATALOGUE.values() for m in models]
