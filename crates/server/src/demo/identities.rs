//! The demo identities: the people and enterprises of the demo, and the list offered at
//! sign-in.

use serde::Serialize;

/// A demo identity, listed at `GET /demo/identities`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DemoIdentity {
    pub national_number: &'static str,
    pub description: &'static str,
}

pub const CITIZEN_A: &str = "85073003328";
pub const CITIZEN_B: &str = "90010112395";
pub const OFFICE_MANAGER: &str = "78021545667";
pub const OFFICE_EXECUTOR_1: &str = "05061207730";
pub const OFFICE_EXECUTOR_2: &str = "75041212353";
pub const OFFICE_REPRESENTATIVE: &str = "88112045693";
pub const COMPANY_REPRESENTATIVE: &str = "62092301281";
pub const SECOND_OFFICE_REPRESENTATIVE: &str = "93030578965";
/// An accounting office that holds mandates of its clients.
pub const ACCOUNTING_OFFICE: &str = "0412345614";
/// A second accounting office, to transfer mandates to.
pub const SECOND_OFFICE: &str = "0876543270";
/// A company that gives mandates.
pub const COMPANY: &str = "0203201340";

pub const IDENTITIES: [DemoIdentity; 8] = [
    DemoIdentity {
        national_number: CITIZEN_A,
        description: "Citizen A: gives mandates for the tax return",
    },
    DemoIdentity {
        national_number: CITIZEN_B,
        description: "Citizen B: has mandates waiting for a signature",
    },
    DemoIdentity {
        national_number: OFFICE_MANAGER,
        description: "Manager (fin) of accounting office 0412.345.614",
    },
    DemoIdentity {
        national_number: OFFICE_EXECUTOR_1,
        description: "Executor (income tax) at accounting office 0412.345.614",
    },
    DemoIdentity {
        national_number: OFFICE_EXECUTOR_2,
        description: "Executor (corporate tax, VAT) at accounting office 0412.345.614",
    },
    DemoIdentity {
        national_number: OFFICE_REPRESENTATIVE,
        description: "Legal representative of accounting office 0412.345.614",
    },
    DemoIdentity {
        national_number: COMPANY_REPRESENTATIVE,
        description: "Legal representative of company 0203.201.340",
    },
    DemoIdentity {
        national_number: SECOND_OFFICE_REPRESENTATIVE,
        description: "Legal representative of accounting office 0876.543.270",
    },
];

/// The names of the demo people and enterprises (fictional), by number: seeded with the demo
/// data, as a provider and the enterprise register would have given them.
pub const NAMES: [(&str, &str); 11] = [
    (CITIZEN_A, "Anna Citizen"),
    (CITIZEN_B, "Bart Citizen"),
    (OFFICE_MANAGER, "Mona Manager"),
    (OFFICE_EXECUTOR_1, "Eddy Executor"),
    (OFFICE_EXECUTOR_2, "Elke Executor"),
    (OFFICE_REPRESENTATIVE, "Rita Representative"),
    (COMPANY_REPRESENTATIVE, "Carla Representative"),
    (SECOND_OFFICE_REPRESENTATIVE, "Sam Representative"),
    (ACCOUNTING_OFFICE, "Numbers & Co"),
    (SECOND_OFFICE, "Ledger & Partners"),
    (COMPANY, "Golden Crust Bakery"),
];
