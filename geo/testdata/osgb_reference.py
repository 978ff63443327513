# Independent reference for bng_test.go (TestToBNGStockton/independent):
# WGS84 lat/lon -> OSGB36 National Grid E/N by Ordnance Survey's published
# method ("A guide to coordinate systems in Great Britain": 7-parameter
# Helmert WGS84 -> OSGB36 via Cartesian coordinates, then the Annex C
# transverse Mercator formulae), written without reference to bng.go or
# github.com/wroge/wgs84. Run: python3 testdata/osgb_reference.py
from math import *
def helmert(lat,lon,h, a1,b1, a2,b2, tx,ty,tz,s,rx,ry,rz):
    e2=1-b1*b1/(a1*a1); phi=radians(lat); lam=radians(lon)
    nu=a1/sqrt(1-e2*sin(phi)**2)
    x=(nu+h)*cos(phi)*cos(lam); y=(nu+h)*cos(phi)*sin(lam); z=((1-e2)*nu+h)*sin(phi)
    s=s*1e-6; rx,ry,rz=[radians(r/3600) for r in (rx,ry,rz)]
    x2=tx+(1+s)*x - rz*y + ry*z
    y2=ty+ rz*x+(1+s)*y - rx*z
    z2=tz - ry*x + rx*y +(1+s)*z
    e2=1-b2*b2/(a2*a2); p=sqrt(x2*x2+y2*y2); phi=atan2(z2,p*(1-e2))
    for i in range(20):
        nu=a2/sqrt(1-e2*sin(phi)**2); phi=atan2(z2+e2*nu*sin(phi),p)
    return degrees(phi), degrees(atan2(y2,x2))
def tm(lat,lon):
    a,b=6377563.396,6356256.909; F0=0.9996012717; lat0=radians(49); lon0=radians(-2); N0,E0=-100000,400000
    e2=1-b*b/(a*a); n=(a-b)/(a+b); phi=radians(lat); lam=radians(lon)
    nu=a*F0/sqrt(1-e2*sin(phi)**2); rho=a*F0*(1-e2)/(1-e2*sin(phi)**2)**1.5; eta2=nu/rho-1
    dp=phi-lat0; sp=phi+lat0
    M=b*F0*((1+n+5/4*n**2+5/4*n**3)*dp-(3*n+3*n**2+21/8*n**3)*sin(dp)*cos(sp)+(15/8*n**2+15/8*n**3)*sin(2*dp)*cos(2*sp)-35/24*n**3*sin(3*dp)*cos(3*sp))
    I=M+N0; II=nu/2*sin(phi)*cos(phi); III=nu/24*sin(phi)*cos(phi)**3*(5-tan(phi)**2+9*eta2)
    IIIA=nu/720*sin(phi)*cos(phi)**5*(61-58*tan(phi)**2+tan(phi)**4)
    IV=nu*cos(phi); V=nu/6*cos(phi)**3*(nu/rho-tan(phi)**2)
    VI=nu/120*cos(phi)**5*(5-18*tan(phi)**2+tan(phi)**4+14*eta2-58*tan(phi)**2*eta2)
    L=lam-lon0
    N=I+II*L**2+III*L**4+IIIA*L**6; E=E0+IV*L+V*L**3+VI*L**5
    return E,N
def tobng(lat,lon):
    la,lo=helmert(lat,lon,0, 6378137,6356752.3141, 6377563.396,6356256.909, -446.448,125.157,-542.060,20.4894,-0.1502,-0.2470,-0.8421)
    return tm(la,lo)
for lat,lon in [(49.92226393730,-6.29977752014),(49.96006137820,-5.20304609998),(50.43885825610,-4.10864563561),(54.5653,-1.3094)]:
    print(lat,lon, ["%.3f"%v for v in tobng(lat,lon)])
