/* The daemon's name and version, as hello reports it. */
#ifndef QCD_VERSION_H
#define QCD_VERSION_H

#define QCD_VERSION	"qcregd 0.2.0"

#endif
