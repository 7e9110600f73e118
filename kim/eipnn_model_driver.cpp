// The eipnn OpenKIM model driver's entry point: the KIM API calls this create routine (named in
// CMakeLists.txt) once per portable model that names this driver; everything else is in
// driver_routines.hpp.
#include "driver_routines.hpp"

extern "C" int eipnn_model_driver_create(KIM::ModelDriverCreate* const create, KIM::LengthUnit const,
                                         KIM::EnergyUnit const, KIM::ChargeUnit const, KIM::TemperatureUnit const,
                                         KIM::TimeUnit const) {
    // the requested units are not needed: the driver registers the model's own (Å, eV)
    return eipnn::kim::create_driver(create);
}
